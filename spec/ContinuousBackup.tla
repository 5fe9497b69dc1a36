---------------------------- MODULE ContinuousBackup ----------------------------
(***************************************************************************)
(* Continuous backups: each partition takes backups over time, compacts    *)
(* its log behind snapshots, and backups may be deleted.  A backup holds   *)
(* a snapshot taken before its checkpoint and the log from there on; a     *)
(* backup continues the previous one when its first log position is at    *)
(* most the previous checkpoint position + 1, and consecutive backups form *)
(* ranges.  Point-in-time restore to checkpoint i (a marker or a backup)   *)
(* stitches, within one range, a snapshot at or before the cut and the log *)
(* records up to the cut.                                                  *)
(*                                                                         *)
(* Inter-partition commands are left out: the consistency of the cut is    *)
(* CheckpointProtocol's subject; here each partition's history matters.    *)
(* RetainForBackups = FALSE is a broken variant whose compaction deletes   *)
(* records no backup holds yet; it must violate RangesContiguous.          *)
(***************************************************************************)
EXTENDS Naturals, Sequences, FiniteSets

CONSTANTS
    Partitions,        \* the partitions, positive integers such as {1}
    MaxCheckpointId,   \* checkpoint ids are 1..MaxCheckpointId
    MaxWork,           \* ordinary records (commands of the workload) per partition
    RetainForBackups   \* TRUE: compaction keeps records that no backup holds yet

VARIABLES
    log,          \* log[p]: every record p ever appended (compaction only hides a prefix)
    processed,    \* processed[p]: how many records of log[p] have been processed
    cpId,         \* cpId[p]: checkpointId(p)
    triggered,    \* the highest checkpoint id triggered so far
    kindOf,       \* kindOf[c]: the type of checkpoint c ("NONE" before its trigger)
    undelivered,  \* undelivered[p]: triggered ids whose CHECKPOINT_CREATE has not reached p
    snapshot,     \* snapshot[p]: processed position of p's newest snapshot, 0 if none
    compacted,    \* compacted[p]: records 1..compacted[p] are deleted from p's log
    pending,      \* pending[p]: checkpoints awaiting the backup manager, with their reserved snapshot
    backups,      \* backups[p]: the backups of p in the store
    deleted,      \* deleted[p]: ids of backups of p deleted from the store
    backedUpTo    \* backedUpTo[p]: the highest checkpoint position any backup of p ever held

vars == <<log, processed, cpId, triggered, kindOf, undelivered, snapshot, compacted,
          pending, backups, deleted, backedUpTo>>

-----------------------------------------------------------------------------
Kinds == {"BACKUP", "MARKER"}
CheckpointIds == 1..MaxCheckpointId

\* CREATE is CHECKPOINT_CREATE{id, kind}; WORK is any other record of the workload.
Record == [type : {"CREATE", "WORK"}, id : 0..MaxCheckpointId, kind : Kinds \cup {"NONE"}]
CreateRecord(c, k) == [type |-> "CREATE", id |-> c, kind |-> k]
WorkRecord == [type |-> "WORK", id |-> 0, kind |-> "NONE"]

Max(S) == CHOOSE x \in S : \A y \in S : y <= x
Min(S) == CHOOSE x \in S : \A y \in S : x <= y
IsSeqOf(s, S) == DOMAIN s = 1..Len(s) /\ \A x \in DOMAIN s : s[x] \in S

\* A backup: checkpoint id and position, the reserved snapshot, and the copied log records
\* at positions first .. Last(b) (they may run past the checkpoint position).
Last(b) == b.first + Len(b.records) - 1
IsBackup(b) == DOMAIN b = {"id", "pos", "snap", "first", "records"} /\ b.id \in CheckpointIds
               /\ b.pos \in Nat /\ b.snap \in Nat /\ b.first \in Nat /\ b.first > 0
               /\ IsSeqOf(b.records, Record)
Holds(b, x) == b.first <= x /\ x <= Last(b)
RecordAt(b, x) == b.records[x - b.first + 1]

WorkCount(p) == Cardinality({x \in 1..Len(log[p]) : log[p][x].type = "WORK"})

-----------------------------------------------------------------------------
(* Ranges: b2 continues b1 when nothing lies between them in the store and *)
(* b2's log starts at most one past b1's checkpoint position.             *)

Consecutive(p, b1, b2) ==
    /\ b1.id < b2.id
    /\ ~\E b3 \in backups[p] : b1.id < b3.id /\ b3.id < b2.id

Continues(b1, b2) == b2.first <= b1.pos + 1

\* b and e bound one range: every consecutive pair from b to e continues.
InOneRange(p, b, e) ==
    /\ b.id <= e.id
    /\ \A x, y \in backups[p] :
          (b.id <= x.id /\ y.id <= e.id /\ Consecutive(p, x, y)) => Continues(x, y)

\* The cut for checkpoint i: p's first processed CHECKPOINT_CREATE with id >= i (as the
\* partition's checkpoint metadata records it), if there is one.
CutPositions(p, i) == {x \in 1..processed[p] : log[p][x].type = "CREATE" /\ log[p][x].id >= i}
CutPos(p, i) == Min(CutPositions(p, i))

\* The restore planner's choice for partition p and cut m: a base backup whose snapshot is
\* before the cut and an end backup in the same range that holds the cut record.
Plan(p, m, b, e) == InOneRange(p, b, e) /\ b.snap < m /\ Last(e) >= m

\* What the executor stitches: every position after the snapshot up to the cut, read from
\* some backup of the range, equals the original record there.
StitchedPrefix(p, m, b, e) ==
    \A x \in (b.snap + 1)..m :
        \E y \in backups[p] : b.id <= y.id /\ y.id <= e.id /\ Holds(y, x) /\ RecordAt(y, x) = log[p][x]

-----------------------------------------------------------------------------
Init ==
    /\ log = [p \in Partitions |-> <<>>]
    /\ processed = [p \in Partitions |-> 0]
    /\ cpId = [p \in Partitions |-> 0]
    /\ triggered = 0
    /\ kindOf = [c \in CheckpointIds |-> "NONE"]
    /\ undelivered = [p \in Partitions |-> {}]
    /\ snapshot = [p \in Partitions |-> 0]
    /\ compacted = [p \in Partitions |-> 0]
    /\ pending = [p \in Partitions |-> {}]
    /\ backups = [p \in Partitions |-> {}]
    /\ deleted = [p \in Partitions |-> {}]
    /\ backedUpTo = [p \in Partitions |-> 0]

Trigger(k) ==
    /\ triggered < MaxCheckpointId
    /\ triggered' = triggered + 1
    /\ kindOf' = [kindOf EXCEPT ![triggered + 1] = k]
    /\ undelivered' = [p \in Partitions |-> undelivered[p] \cup {triggered + 1}]
    /\ UNCHANGED <<log, processed, cpId, snapshot, compacted, pending, backups, deleted, backedUpTo>>

Deliver(p, c) ==
    /\ c \in undelivered[p]
    /\ log' = [log EXCEPT ![p] = Append(@, CreateRecord(c, kindOf[c]))]
    /\ undelivered' = [undelivered EXCEPT ![p] = @ \ {c}]
    /\ UNCHANGED <<processed, cpId, triggered, kindOf, snapshot, compacted, pending, backups, deleted, backedUpTo>>

Work(p) ==
    /\ WorkCount(p) < MaxWork
    /\ log' = [log EXCEPT ![p] = Append(@, WorkRecord)]
    /\ UNCHANGED <<processed, cpId, triggered, kindOf, undelivered, snapshot, compacted, pending, backups, deleted, backedUpTo>>

\* Processing a backup-type checkpoint reserves the newest snapshot (taken before it) for the backup.
Process(p) ==
    /\ processed[p] < Len(log[p])
    /\ LET x == processed[p] + 1
           r == log[p][x]
       IN IF r.type = "CREATE" /\ r.id > cpId[p]
          THEN /\ cpId' = [cpId EXCEPT ![p] = r.id]
               /\ pending' = IF r.kind = "BACKUP"
                             THEN [pending EXCEPT ![p] = @ \cup {[id |-> r.id, pos |-> x, snap |-> snapshot[p]]}]
                             ELSE pending
          ELSE UNCHANGED <<cpId, pending>>
    /\ processed' = [processed EXCEPT ![p] = @ + 1]
    /\ UNCHANGED <<log, triggered, kindOf, undelivered, snapshot, compacted, backups, deleted, backedUpTo>>

TakeSnapshot(p) ==
    /\ processed[p] > snapshot[p]
    /\ snapshot' = [snapshot EXCEPT ![p] = processed[p]]
    /\ UNCHANGED <<log, processed, cpId, triggered, kindOf, undelivered, compacted, pending, backups, deleted, backedUpTo>>

\* Compaction deletes the log behind the newest snapshot, but never records a reserved
\* snapshot still needs and, in continuous mode, never records no backup holds yet.
CompactionBound(p) ==
    Min({snapshot[p]} \cup {e.snap : e \in pending[p]}
        \cup (IF RetainForBackups THEN {backedUpTo[p]} ELSE {}))

Compact(p) ==
    /\ CompactionBound(p) > compacted[p]
    /\ compacted' = [compacted EXCEPT ![p] = CompactionBound(p)]
    /\ UNCHANGED <<log, processed, cpId, triggered, kindOf, undelivered, snapshot, pending, backups, deleted, backedUpTo>>

\* Where the backup manager starts copying: from its snapshot on, and no later than just
\* after the newest backup's checkpoint so that the new backup continues it; never before
\* the first record the log still has.
FirstToCopy(p, e) ==
    LET fromSnapshot == e.snap + 1
        wanted == IF backups[p] = {} THEN fromSnapshot
                  ELSE Min({fromSnapshot, Max({b.pos : b \in backups[p]}) + 1})
    IN Max({wanted, compacted[p] + 1})

\* The backup manager backs up the oldest pending checkpoint, copying up to any durable length.
TakeBackup(p) ==
    /\ pending[p] # {}
    /\ LET e == CHOOSE oldest \in pending[p] : \A o \in pending[p] : oldest.id <= o.id
           first == FirstToCopy(p, e)
       IN \E n \in e.pos..Len(log[p]) :
            /\ backups' = [backups EXCEPT ![p] = @ \cup
                  {[id |-> e.id, pos |-> e.pos, snap |-> e.snap, first |-> first,
                    records |-> SubSeq(log[p], first, n)]}]
            /\ pending' = [pending EXCEPT ![p] = @ \ {e}]
            /\ backedUpTo' = [backedUpTo EXCEPT ![p] = Max({@, e.pos})]
    /\ UNCHANGED <<log, processed, cpId, triggered, kindOf, undelivered, snapshot, compacted, deleted>>

\* Retention or an operator deletes a backup from the store.
DeleteBackup(p) ==
    /\ \E b \in backups[p] :
         /\ backups' = [backups EXCEPT ![p] = @ \ {b}]
         /\ deleted' = [deleted EXCEPT ![p] = @ \cup {b.id}]
    /\ UNCHANGED <<log, processed, cpId, triggered, kindOf, undelivered, snapshot, compacted, pending, backedUpTo>>

Next ==
    \/ \E k \in Kinds : Trigger(k)
    \/ \E p \in Partitions, c \in CheckpointIds : Deliver(p, c)
    \/ \E p \in Partitions :
          \/ Work(p) \/ Process(p) \/ TakeSnapshot(p) \/ Compact(p)
          \/ TakeBackup(p) \/ DeleteBackup(p)

Spec == Init /\ [][Next]_vars

-----------------------------------------------------------------------------
TypeOK ==
    /\ DOMAIN log = Partitions /\ \A p \in Partitions : IsSeqOf(log[p], Record)
    /\ DOMAIN processed = Partitions /\ \A p \in Partitions : processed[p] \in 0..Len(log[p])
    /\ cpId \in [Partitions -> 0..MaxCheckpointId]
    /\ triggered \in 0..MaxCheckpointId
    /\ kindOf \in [CheckpointIds -> Kinds \cup {"NONE"}]
    /\ undelivered \in [Partitions -> SUBSET CheckpointIds]
    /\ DOMAIN snapshot = Partitions /\ \A p \in Partitions : snapshot[p] \in 0..processed[p]
    /\ DOMAIN compacted = Partitions /\ \A p \in Partitions : compacted[p] \in 0..snapshot[p]
    /\ DOMAIN pending = Partitions
    /\ \A p \in Partitions : \A e \in pending[p] :
          DOMAIN e = {"id", "pos", "snap"} /\ e.id \in CheckpointIds /\ e.pos \in 1..processed[p]
          /\ e.snap \in 0..(e.pos - 1)
    /\ DOMAIN backups = Partitions /\ \A p \in Partitions : \A b \in backups[p] : IsBackup(b)
    /\ deleted \in [Partitions -> SUBSET CheckpointIds]
    /\ DOMAIN backedUpTo = Partitions /\ \A p \in Partitions : backedUpTo[p] \in 0..Len(log[p])

\* Every backup holds its checkpoint record, and its records are the log's.
BackupHoldsCheckpoint ==
    \A p \in Partitions : \A b \in backups[p] :
        /\ Holds(b, b.pos)
        /\ RecordAt(b, b.pos).type = "CREATE" /\ RecordAt(b, b.pos).id = b.id
        /\ b.first <= b.snap + 1
        /\ \A x \in b.first..Last(b) : RecordAt(b, x) = log[p][x]

\* Unless a backup between them was deleted, each backup continues the one before it: the
\* backups of a partition form one contiguous range.
RangesContiguous ==
    \A p \in Partitions : \A b1, b2 \in backups[p] :
        (Consecutive(p, b1, b2) /\ ~\E d \in deleted[p] : b1.id < d /\ d < b2.id)
            => Continues(b1, b2)

\* Whenever the planner finds a range that reaches checkpoint i's cut, the stitched log is
\* the original log from the snapshot up to and including the cut record: restore never
\* silently stops short and never restores a record the original did not have there.
PointInTimeRestoreIsPrefixToCut ==
    \A p \in Partitions : \A i \in CheckpointIds :
        CutPositions(p, i) # {} =>
            \A b, e \in backups[p] :
                Plan(p, CutPos(p, i), b, e) => StitchedPrefix(p, CutPos(p, i), b, e)

=============================================================================

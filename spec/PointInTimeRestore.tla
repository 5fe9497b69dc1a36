---------------------------- MODULE PointInTimeRestore ----------------------------
(***************************************************************************)
(* Point-in-time restore (PITR) across partitions with inter-partition     *)
(* commands.  CheckpointProtocol's lazy coordination (CHECKPOINT_CREATE on *)
(* delivery, the piggybacked checkpoint id on every command, the forced    *)
(* CHECKPOINT_CREATE before the received command) is combined with         *)
(* ContinuousBackup's continuous backups: a backup checkpoint reserves a   *)
(* snapshot, the backup manager copies the log asynchronously from where   *)
(* the previous backup ended, compaction keeps what backups still need,    *)
(* and retention deletes backup ids.  The planner of                       *)
(* src/restore/pitr-planner.ts and src/protocol/ranges.ts is a set of      *)
(* operators: for a target checkpoint id i, each partition's cut is its    *)
(* first known checkpoint with id >= i (cutFor, cutIsKnown); the cut must  *)
(* lie in one range (rangeCovering), and the chain (chainFor) stitches the *)
(* newest snapshot before the cut and the log of the following backups up  *)
(* to the cut.  The invariants hold for EVERY plan the planner can produce *)
(* in every reachable state.                                               *)
(*                                                                         *)
(* Bounds of the models (PointInTimeRestore*.cfg): 2 partitions, at most   *)
(* 3 checkpoint ids (the last one always a BACKUP, the others BACKUP or    *)
(* MARKER), 1 client command (a request and its acknowledgement), one      *)
(* backup per backup checkpoint and partition, so at most 2 or 3 backups   *)
(* per partition.                                                          *)
(*                                                                         *)
(* Simplifications (see docs/spec-and-model-checking.md): the stream       *)
(* processor processes a record as it is appended (CheckpointProtocol     *)
(* models the lag); compaction runs as soon as it may (so the model's      *)
(* compacted prefix is a derived quantity, the largest the hold allows);   *)
(* a backup holds the log up to its checkpoint (the tail a backup copies   *)
(* past it is cut off by every chain link except the last, which stops at  *)
(* the cut); a backup checkpoint is preceded by a snapshot of everything   *)
(* before it (the engine's backupSnapshotLagRecordsMax at its tightest);   *)
(* retention deletes a backup id on every partition at once, and only ids  *)
(* older than the newest id completed on every partition (the window is    *)
(* longer than a backup takes to complete everywhere).                     *)
(*                                                                         *)
(* Three constants switch on the broken variants:                          *)
(*   StitchGaps       the planner stitches across a gap (no range check);  *)
(*   MixedCuts        the plan may cut each partition at any checkpoint id;*)
(*   RetainNewest = FALSE  retention may delete the newest id completed on *)
(*                    every partition, which the next chain still needs.   *)
(***************************************************************************)
EXTENDS Naturals, Sequences, FiniteSets

CONSTANTS
    Partitions,       \* the partitions, positive integers such as {1, 2}
    MaxCheckpointId,  \* checkpoint ids are 1..MaxCheckpointId; the last is a BACKUP
    MaxCommands,      \* client commands that start a request/acknowledgement exchange
    CheckpointKinds,  \* CheckpointKinds[c]: the type the scheduler gives checkpoint c
    StitchGaps,       \* TRUE (broken): the planner ignores the ranges and stitches across gaps
    MixedCuts,        \* TRUE (broken): a plan may cut each partition at a different checkpoint id
    RetainNewest      \* TRUE: retention keeps the newest id completed on every partition

\* The checkpoint types the models give CheckpointKinds (`CheckpointKinds <- ...` in the .cfg: TLC's
\* configuration files take numbers, strings, booleans, sets and model values, not tuples).
BackupMarkerBackup == <<"BACKUP", "MARKER", "BACKUP">>
ThreeBackups == <<"BACKUP", "BACKUP", "BACKUP">>
TwoBackups == <<"BACKUP", "BACKUP">>
MarkerBackup == <<"MARKER", "BACKUP">>

VARIABLES
    log,          \* log[p]: every record p appended (compaction only hides a prefix)
    triggered,    \* the highest checkpoint id triggered so far
    kindOf,       \* kindOf[c]: the type of checkpoint c ("NONE" before its trigger)
    undelivered,  \* undelivered[p]: triggered ids whose CHECKPOINT_CREATE has not reached p
    msgs,         \* the inter-partition commands in flight
    snapshot,     \* snapshot[p]: processed position of p's newest snapshot, 0 if none
    pending,      \* pending[p]: backup checkpoints awaiting the backup manager, with their snapshot
    backups,      \* backups[p]: the COMPLETED backups of p in the store
    backedUpTo    \* backedUpTo[p]: the highest checkpoint position a completed backup of p reached

vars == <<log, triggered, kindOf, undelivered, msgs, snapshot, pending, backups, backedUpTo>>

-----------------------------------------------------------------------------
(* Records and messages: CheckpointProtocol's.                             *)

Kinds == {"BACKUP", "MARKER"}
CheckpointIds == 1..MaxCheckpointId
NoPartition == 0
MessageIds == 1..(2 * MaxCommands)
IsRequest(m) == m % 2 = 1

RecordTypes == {"CREATE", "CLIENT", "RECEIVE"}
Record == [type : RecordTypes, id : 0..MaxCheckpointId, kind : Kinds \cup {"NONE"},
           msg : 0..(2 * MaxCommands), peer : Partitions \cup {NoPartition}]
CreateRecord(c, k) == [type |-> "CREATE", id |-> c, kind |-> k, msg |-> 0, peer |-> NoPartition]
ClientRecord(m, q) == [type |-> "CLIENT", id |-> 0, kind |-> "NONE", msg |-> m, peer |-> q]
ReceiveRecord(m) == [type |-> "RECEIVE", id |-> 0, kind |-> "NONE", msg |-> m.id, peer |-> m.from]
Message == [id : MessageIds, from : Partitions, to : Partitions,
            cp : 0..MaxCheckpointId, cpKind : Kinds \cup {"NONE"}]

Sends(r, m) == \/ r.type = "CLIENT" /\ r.msg = m
               \/ r.type = "RECEIVE" /\ r.msg + 1 = m /\ ~IsRequest(m)

Max(S) == CHOOSE x \in S : \A y \in S : y <= x
Min(S) == CHOOSE x \in S : \A y \in S : x <= y
IsSeqOf(s, S) == DOMAIN s = 1..Len(s) /\ \A x \in DOMAIN s : s[x] \in S

\* A backup: checkpoint id and position, its snapshot's processed position, and the first log
\* position it copied; it holds log[p][first..pos] (the log never changes, so the records are not stored).
IsBackup(b) == DOMAIN b = {"id", "pos", "snap", "first"} /\ b.id \in CheckpointIds
               /\ b.pos \in Nat /\ b.snap \in Nat /\ b.first \in Nat /\ b.first > 0

-----------------------------------------------------------------------------
(* Derived state: checkpoints (records are processed as they are appended) *)

CreatePositions(p, c) == {x \in 1..Len(log[p]) : log[p][x].type = "CREATE" /\ log[p][x].id >= c}
CpId(p) == LET ids == {log[p][x].id : x \in CreatePositions(p, 1)} IN IF ids = {} THEN 0 ELSE Max(ids)
CpPos(p) == IF CpId(p) = 0 THEN 0 ELSE Min(CreatePositions(p, CpId(p)))
KindOfId(c) == IF c = 0 THEN "NONE" ELSE kindOf[c]
Commands == Cardinality({x \in 1..Len(log[Min(Partitions)]) : log[Min(Partitions)][x].type = "CLIENT"})

\* The checkpoints p created: CHECKPOINT_CREATE records that raised its checkpoint id.
Created(p) == {x \in CreatePositions(p, 1) :
                 \A y \in 1..(x - 1) : log[p][y].type = "CREATE" => log[p][y].id < log[p][x].id}

\* The true cut of checkpoint i on p: its first CHECKPOINT_CREATE with id >= i (it created that one).
HasCut(p, i) == CreatePositions(p, i) # {}
TrueCut(p, i) == Min(CreatePositions(p, i))

\* Compaction hold (continuous mode): never past the newest snapshot, a snapshot a pending backup
\* reserved, or the newest completed backup's checkpoint position.  Compaction is eager.
Compacted(p) == Min({snapshot[p], backedUpTo[p]} \cup {e.snap : e \in pending[p]})

-----------------------------------------------------------------------------
(* Ranges (src/protocol/ranges.ts): b2 continues b1 when no backup lies     *)
(* between them and b2's log starts at most one past b1's checkpoint.      *)

Consecutive(p, b1, b2) == b1.id < b2.id /\ ~\E b3 \in backups[p] : b1.id < b3.id /\ b3.id < b2.id
Continues(b1, b2) == b2.first <= b1.pos + 1
Between(p, b, e) == {y \in backups[p] : b.id <= y.id /\ y.id <= e.id}
InOneRange(p, b, e) ==
    /\ b.id <= e.id
    /\ \A x, y \in Between(p, b, e) : Consecutive(p, x, y) => Continues(x, y)

\* The oldest range's first cut position (metadata.json forgets the checkpoints before it).
FirstCut(p) ==
    LET o == CHOOSE b \in backups[p] : \A y \in backups[p] : b.id <= y.id
    IN Min({b.snap + 1 : b \in {y \in backups[p] : InOneRange(p, o, y)}})

\* The checkpoints the planner knows of p: metadata.json's list, which drops those before the
\* oldest range once a range exists.
Listed(p) == IF backups[p] = {} THEN Created(p) ELSE {x \in Created(p) : x >= FirstCut(p)}

\* cutFor: the first listed checkpoint with id >= c (ids grow with positions).
PlannerCuts(p, c) == {x \in Listed(p) : log[p][x].id >= c}
PlannerCut(p, c) == Min(PlannerCuts(p, c))

\* cutIsKnown: no forgotten checkpoint may be the true cut.
CutIsKnown(p, c) ==
    \/ log[p][PlannerCut(p, c)].id = c
    \/ \E x \in Listed(p) : log[p][x].id < c
    \/ backups[p] # {} /\ FirstCut(p) = 1

\* The first backup whose checkpoint is at or after the cut (the chain's last link).
Ends(p, m) == LET after == {y \in backups[p] : y.pos >= m}
              IN IF after = {} THEN {} ELSE {CHOOSE e \in after : \A y \in after : e.id <= y.id}

\* chainFor's first link: the newest backup of the range whose snapshot is before the cut.  The
\* broken planner takes the newest backup before the cut whether or not the range is unbroken.
Bases(p, m, e) ==
    LET candidates == {b \in backups[p] : b.id <= e.id /\ b.snap < m /\ (StitchGaps \/ InOneRange(p, b, e))}
    IN IF candidates = {} THEN {}
       ELSE {CHOOSE b \in candidates : \A y \in candidates : y.id <= b.id}

\* The positions a restore of p from chain b..e to cut m rebuilds: the snapshot's, then each
\* link's log records up to the cut (a missing position stays missing).
Restored(p, b, e, m) ==
    (1..b.snap) \cup {x \in (b.snap + 1)..m : \E y \in Between(p, b, e) : y.first <= x /\ x <= y.pos}

\* The checkpoint ids at which a plan for target i may cut a partition.
CutIds(i) == IF MixedCuts THEN CheckpointIds ELSE {i}

\* What the planner may produce for partition p and target i: the cut, the chain's ends and the
\* restored positions (empty when the planner refuses: RESTORE_GAP).
PartitionPlans(p, i) ==
    UNION { LET m == PlannerCut(p, c) IN
              UNION { { [cut |-> m, base |-> b, end |-> e, held |-> Restored(p, b, e, m)] : b \in Bases(p, m, e) }
                      : e \in Ends(p, m) }
            : c \in {c \in CutIds(i) : PlannerCuts(p, c) # {} /\ CutIsKnown(p, c)} }

\* Every plan for target i: one partition plan for every partition.
Plans(i) == {f \in [Partitions -> UNION {PartitionPlans(p, i) : p \in Partitions}] :
                \A p \in Partitions : f[p] \in PartitionPlans(p, i)}

Restorable(i) == \A p \in Partitions : PartitionPlans(p, i) # {}

-----------------------------------------------------------------------------
(* The initial state and the actions.                                      *)

Init ==
    /\ log = [p \in Partitions |-> <<>>]
    /\ triggered = 0
    /\ kindOf = [c \in CheckpointIds |-> "NONE"]
    /\ undelivered = [p \in Partitions |-> {}]
    /\ msgs = {}
    /\ snapshot = [p \in Partitions |-> 0]
    /\ pending = [p \in Partitions |-> {}]
    /\ backups = [p \in Partitions |-> {}]
    /\ backedUpTo = [p \in Partitions |-> 0]

\* The scheduler triggers the next checkpoint id, of the type CheckpointKinds gives it.
Trigger ==
    /\ triggered < MaxCheckpointId
    /\ triggered' = triggered + 1
    /\ kindOf' = [kindOf EXCEPT ![triggered + 1] = CheckpointKinds[triggered + 1]]
    /\ undelivered' = [p \in Partitions |-> undelivered[p] \cup {triggered + 1}]
    /\ UNCHANGED <<log, msgs, snapshot, pending, backups, backedUpTo>>

\* p creates checkpoint c at position x: a backup type takes a snapshot right before the checkpoint
\* record, reserves it, and hands (c, x) to the backup manager.
NewCheckpoint(p, c, x) ==
    IF kindOf[c] = "BACKUP"
    THEN /\ snapshot' = [snapshot EXCEPT ![p] = x - 1]
         /\ pending' = [pending EXCEPT ![p] = @ \cup {[id |-> c, pos |-> x, snap |-> x - 1]}]
    ELSE UNCHANGED <<snapshot, pending>>

\* The trigger of c reaches p, which appends and processes CHECKPOINT_CREATE{c}.
Deliver(p, c) ==
    /\ c \in undelivered[p]
    /\ undelivered' = [undelivered EXCEPT ![p] = @ \ {c}]
    /\ log' = [log EXCEPT ![p] = Append(@, CreateRecord(c, kindOf[c]))]
    /\ IF c > CpId(p) THEN NewCheckpoint(p, c, Len(log[p]) + 1) ELSE UNCHANGED <<snapshot, pending>>
    /\ UNCHANGED <<triggered, kindOf, msgs, backups, backedUpTo>>

\* A client command on the lowest partition that needs partition q: processing it sends the
\* request, which piggybacks p's checkpoint id.
ClientCommand(p, q) ==
    /\ p = Min(Partitions)
    /\ p # q
    /\ Commands < MaxCommands
    /\ log' = [log EXCEPT ![p] = Append(@, ClientRecord(2 * Commands + 1, q))]
    /\ msgs' = msgs \cup {[id |-> 2 * Commands + 1, from |-> p, to |-> q,
                           cp |-> CpId(p), cpKind |-> KindOfId(CpId(p))]}
    /\ UNCHANGED <<triggered, kindOf, undelivered, snapshot, pending, backups, backedUpTo>>

\* q receives m: a higher piggybacked id forces CHECKPOINT_CREATE first; processing a request
\* sends the acknowledgement, with q's checkpoint id after that.
Receive(m) ==
    /\ m \in msgs
    /\ LET q == m.to
           force == m.cp > CpId(q)
           create == CreateRecord(m.cp, m.cpKind)
           appended == IF force THEN <<create, ReceiveRecord(m)>> ELSE <<ReceiveRecord(m)>>
           cp == IF force THEN m.cp ELSE CpId(q)
       IN /\ log' = [log EXCEPT ![q] = @ \o appended]
          /\ msgs' = (msgs \ {m}) \cup
                 (IF IsRequest(m.id)
                  THEN {[id |-> m.id + 1, from |-> q, to |-> m.from, cp |-> cp, cpKind |-> KindOfId(cp)]}
                  ELSE {})
          /\ IF force THEN NewCheckpoint(q, m.cp, Len(log[q]) + 1) ELSE UNCHANGED <<snapshot, pending>>
    /\ UNCHANGED <<triggered, kindOf, undelivered, backups, backedUpTo>>

\* Where the backup manager starts copying: from its snapshot on, and no later than just after
\* the newest completed backup's checkpoint; never before the first record compaction left.
FirstToCopy(p, e) ==
    LET wanted == IF backups[p] = {} THEN e.snap + 1
                  ELSE Min({e.snap + 1, Max({b.pos : b \in backups[p]}) + 1})
    IN Max({wanted, Compacted(p) + 1})

\* The backup manager completes the oldest pending backup of p, asynchronously.
TakeBackup(p) ==
    /\ pending[p] # {}
    /\ LET e == CHOOSE oldest \in pending[p] : \A o \in pending[p] : oldest.id <= o.id
       IN /\ backups' = [backups EXCEPT ![p] = @ \cup
                {[id |-> e.id, pos |-> e.pos, snap |-> e.snap, first |-> FirstToCopy(p, e)]}]
          /\ pending' = [pending EXCEPT ![p] = @ \ {e}]
          /\ backedUpTo' = [backedUpTo EXCEPT ![p] = Max({@, e.pos})]
    /\ UNCHANGED <<log, triggered, kindOf, undelivered, msgs, snapshot>>

\* The newest backup id completed on every partition (0 if none).
NewestEverywhere ==
    LET ids == {c \in CheckpointIds : \A p \in Partitions : \E b \in backups[p] : b.id = c}
    IN IF ids = {} THEN 0 ELSE Max(ids)

\* Retention deletes backup id d on every partition.  It keeps the newest id completed on every
\* partition (and so each partition's newest and every id still in progress); the broken
\* variant may delete that one too.
Retention(d) ==
    /\ \E p \in Partitions : \E b \in backups[p] : b.id = d
    /\ IF RetainNewest THEN d < NewestEverywhere ELSE d <= NewestEverywhere
    /\ backups' = [p \in Partitions |-> {b \in backups[p] : b.id # d}]
    /\ UNCHANGED <<log, triggered, kindOf, undelivered, msgs, snapshot, pending, backedUpTo>>

Next ==
    \/ Trigger
    \/ \E p \in Partitions, c \in CheckpointIds : Deliver(p, c)
    \/ \E p, q \in Partitions : ClientCommand(p, q)
    \/ \E m \in msgs : Receive(m)
    \/ \E p \in Partitions : TakeBackup(p)
    \/ \E d \in CheckpointIds : Retention(d)

\* The scheduler keeps triggering, triggers and commands are delivered, backups complete.
Fairness ==
    /\ WF_vars(Trigger)
    /\ WF_vars(\E m \in msgs : Receive(m))
    /\ \A p \in Partitions :
          /\ WF_vars(\E c \in CheckpointIds : Deliver(p, c))
          /\ WF_vars(TakeBackup(p))

Spec == Init /\ [][Next]_vars /\ Fairness

-----------------------------------------------------------------------------
(* Invariants and the liveness property.                                   *)

TypeOK ==
    /\ DOMAIN log = Partitions /\ \A p \in Partitions : IsSeqOf(log[p], Record)
    /\ triggered \in 0..MaxCheckpointId
    /\ kindOf \in [CheckpointIds -> Kinds \cup {"NONE"}]
    /\ undelivered \in [Partitions -> SUBSET CheckpointIds]
    /\ msgs \subseteq Message
    /\ DOMAIN snapshot = Partitions /\ \A p \in Partitions : snapshot[p] \in 0..Len(log[p])
    /\ DOMAIN pending = Partitions
    /\ \A p \in Partitions : \A e \in pending[p] :
          DOMAIN e = {"id", "pos", "snap"} /\ e.id \in CheckpointIds /\ e.pos \in 1..Len(log[p])
          /\ e.snap \in 0..(e.pos - 1)
    /\ DOMAIN backups = Partitions /\ \A p \in Partitions : \A b \in backups[p] : IsBackup(b)
    /\ DOMAIN backedUpTo = Partitions /\ \A p \in Partitions : backedUpTo[p] \in 0..Len(log[p])

\* Every completed backup holds its checkpoint record and reaches back to its snapshot.
BackupHoldsCheckpoint ==
    \A p \in Partitions : \A b \in backups[p] :
        /\ b.first <= b.snap + 1 /\ b.pos <= Len(log[p])
        /\ log[p][b.pos].type = "CREATE" /\ log[p][b.pos].id = b.id

\* No plan restores an orphan: a command some partition's restored log holds as received while
\* the record whose processing sent it is not in the sender's restored log.
ConsistentCut ==
    \A i \in CheckpointIds : \A f \in Plans(i) :
        \A q \in Partitions : \A y \in f[q].held :
            log[q][y].type = "RECEIVE" =>
                \A p \in Partitions : \A x \in 1..Len(log[p]) :
                    Sends(log[p][x], log[q][y].msg) => x \in f[p].held

\* Every plan restores each partition's original log up to and including its cut, which is a
\* CHECKPOINT_CREATE: nothing missing, nothing after the cut.
RestoredLogIsPrefix ==
    \A i \in CheckpointIds : \A p \in Partitions : \A pp \in PartitionPlans(p, i) :
        /\ pp.held = 1..pp.cut
        /\ log[p][pp.cut].type = "CREATE"

\* No chain crosses a gap: each backup of a chain continues the one before it.
NoGapStitched ==
    \A i \in CheckpointIds : \A p \in Partitions : \A pp \in PartitionPlans(p, i) :
        \A x, y \in Between(p, pp.base, pp.end) : Consecutive(p, x, y) => Continues(x, y)

\* With backups on (every partition has a completed backup older than marker i), the marker
\* eventually becomes restorable on every partition at once.
Markers == {c \in CheckpointIds : CheckpointKinds[c] = "MARKER"}
MarkerRestorable ==
    \A i \in Markers :
        (triggered >= i /\ \A p \in Partitions : \E b \in backups[p] : b.id < i)
            ~> Restorable(i)

-----------------------------------------------------------------------------
(* CheckpointProtocol's cut properties through an instance: the refinement *)
(* mapping gives CheckpointProtocol's variables from this model's state.   *)
(* A restore maps to "no restore yet"; the plans above are checked by the  *)
(* invariants of this module.                                              *)

CP == INSTANCE CheckpointProtocol WITH
        Piggyback <- TRUE,
        CheckpointFirst <- TRUE,
        processed <- [p \in Partitions |-> Len(log[p])],
        cpId <- [p \in Partitions |-> CpId(p)],
        cpPos <- [p \in Partitions |-> CpPos(p)],
        cpKind <- [p \in Partitions |-> KindOfId(CpId(p))],
        commands <- Commands,
        pending <- [p \in Partitions |-> {[id |-> e.id, pos |-> e.pos] : e \in pending[p]}],
        backups <- [p \in Partitions |-> {[id |-> b.id, pos |-> b.pos, log |-> SubSeq(log[p], 1, b.pos)] : b \in backups[p]}],
        restoredId <- 0,
        restored <- [p \in Partitions |-> <<>>]

CPTypeOK == CP!TypeOK
CPConsistentCut == CP!ConsistentCut
CPBackupHoldsCheckpoint == CP!BackupHoldsCheckpoint

=============================================================================

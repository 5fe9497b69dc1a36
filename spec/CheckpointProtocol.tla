---------------------------- MODULE CheckpointProtocol ----------------------------
(***************************************************************************)
(* The lazy-coordination, index-based checkpoint protocol of cutline's     *)
(* engine (as in Zeebe): partitions append CHECKPOINT_CREATE records when  *)
(* a checkpoint is triggered, piggyback their checkpoint id on every       *)
(* inter-partition command, and a receiver that sees a higher id appends   *)
(* CHECKPOINT_CREATE before the command it received.  Backups are taken    *)
(* asynchronously and may hold records after the checkpoint record; a      *)
(* restore truncates the log right after the checkpoint record.            *)
(*                                                                         *)
(* Two constants select the broken variants that must violate              *)
(* ConsistentCut: Piggyback = FALSE (commands carry no checkpoint id) and  *)
(* CheckpointFirst = FALSE (the receiver appends the command before the    *)
(* CHECKPOINT_CREATE it forces).                                            *)
(***************************************************************************)
EXTENDS Naturals, Sequences, FiniteSets

CONSTANTS
    Partitions,       \* the partitions, positive integers such as {1, 2}
    MaxCheckpointId,  \* checkpoint ids are 1..MaxCheckpointId
    MaxCommands,      \* client commands that start a request/acknowledgement exchange
    Piggyback,        \* TRUE: commands carry the sender's checkpoint id (the protocol)
    CheckpointFirst   \* TRUE: a forced CHECKPOINT_CREATE lands before the received command

VARIABLES
    log,          \* log[p]: the records of partition p; position x is log[p][x]
    processed,    \* processed[p]: how many records of log[p] the stream processor has processed
    cpId,         \* cpId[p]: checkpointId(p), 0 before the first checkpoint
    cpPos,        \* cpPos[p]: checkpointPosition(p), 0 before the first checkpoint
    cpKind,       \* cpKind[p]: the type of checkpoint cpId[p], piggybacked with it
    triggered,    \* the highest checkpoint id triggered from outside so far
    kindOf,       \* kindOf[c]: the type the trigger gave checkpoint c ("NONE" before)
    undelivered,  \* undelivered[p]: triggered ids whose CHECKPOINT_CREATE has not reached p yet
    commands,     \* how many client commands have been appended so far
    msgs,         \* the inter-partition commands in flight (sent, not yet received)
    pending,      \* pending[p]: checkpoints handed to p's backup manager, not yet backed up
    backups,      \* backups[p]: the backups of p in the backup store
    restoredId,   \* the checkpoint id of the last restore, 0 before any restore
    restored      \* restored[p]: the log of p after that restore

vars == <<log, processed, cpId, cpPos, cpKind, triggered, kindOf, undelivered,
          commands, msgs, pending, backups, restoredId, restored>>

-----------------------------------------------------------------------------
(* Records and messages.                                                   *)

\* MANUAL_BACKUP and SCHEDULED_BACKUP behave alike here, so one BACKUP stands for both.
Kinds == {"BACKUP", "MARKER"}
\* Whether a checkpoint of kind k is handed to the backup manager (trace validation names both backup types).
IsBackupKind(k) == k \notin {"MARKER", "NONE"}
CheckpointIds == 1..MaxCheckpointId
NoPartition == 0

\* Client command j sends request 2j-1; the receiver's processing of it sends acknowledgement 2j.
MessageIds == 1..(2 * MaxCommands)
IsRequest(m) == m % 2 = 1

\* Every record has the same fields so that logs are sequences of one record type.
\*   CREATE:  CHECKPOINT_CREATE{id, kind}
\*   CLIENT:  a client command whose processing sends request msg to partition peer
\*   RECEIVE: an inter-partition command msg received from partition peer
RecordTypes == {"CREATE", "CLIENT", "RECEIVE"}
Record == [type : RecordTypes, id : 0..MaxCheckpointId, kind : Kinds \cup {"NONE"},
           msg : 0..(2 * MaxCommands), peer : Partitions \cup {NoPartition}]

CreateRecord(c, k) == [type |-> "CREATE", id |-> c, kind |-> k, msg |-> 0, peer |-> NoPartition]
ClientRecord(m, q) == [type |-> "CLIENT", id |-> 0, kind |-> "NONE", msg |-> m, peer |-> q]
ReceiveRecord(m) == [type |-> "RECEIVE", id |-> 0, kind |-> "NONE", msg |-> m.id, peer |-> m.from]

\* An inter-partition command; cp and cpKind are the piggybacked checkpoint.
Message == [id : MessageIds, from : Partitions, to : Partitions,
            cp : 0..MaxCheckpointId, cpKind : Kinds \cup {"NONE"}]

\* A backup of one partition: its checkpoint id, the checkpoint position, and the log
\* prefix copied asynchronously (at least up to the checkpoint record, maybe further).
IsSeqOf(s, S) == DOMAIN s = 1..Len(s) /\ \A x \in DOMAIN s : s[x] \in S
IsBackup(b) == DOMAIN b = {"id", "pos", "log"} /\ b.id \in CheckpointIds
               /\ b.pos \in Nat /\ b.pos > 0 /\ IsSeqOf(b.log, Record)

Max(S) == CHOOSE x \in S : \A y \in S : y <= x
Min(S) == CHOOSE x \in S : \A y \in S : x <= y

-----------------------------------------------------------------------------
(* Cuts: the position of each partition's first checkpoint record >= i.   *)

CreatePositions(l, i) == {x \in 1..Len(l) : l[x].type = "CREATE" /\ l[x].id >= i}

\* Every partition has a checkpoint record with id >= i, so checkpoint i has a complete cut.
HasCut(i) == \A p \in Partitions : CreatePositions(log[p], i) # {}

CutPos(p, i) == Min(CreatePositions(log[p], i))

\* Record r is the one whose processing sends message m.
Sends(r, m) == \/ r.type = "CLIENT" /\ r.msg = m
               \/ r.type = "RECEIVE" /\ r.msg + 1 = m /\ ~IsRequest(m)

\* The highest checkpoint id appended to p's log but not processed yet (0 if none).
InFlightId(p) ==
    LET ids == {log[p][x].id : x \in {y \in (processed[p] + 1)..Len(log[p]) : log[p][y].type = "CREATE"}}
    IN IF ids = {} THEN 0 ELSE Max(ids)

-----------------------------------------------------------------------------
(* The initial state and the actions.                                      *)

\* The initial state, with the given logs and count of client commands already issued.
InitWith(initialLog, initialCommands) ==
    /\ log = initialLog
    /\ processed = [p \in Partitions |-> 0]
    /\ cpId = [p \in Partitions |-> 0]
    /\ cpPos = [p \in Partitions |-> 0]
    /\ cpKind = [p \in Partitions |-> "NONE"]
    /\ triggered = 0
    /\ kindOf = [c \in CheckpointIds |-> "NONE"]
    /\ undelivered = [p \in Partitions |-> {}]
    /\ commands = initialCommands
    /\ msgs = {}
    /\ pending = [p \in Partitions |-> {}]
    /\ backups = [p \in Partitions |-> {}]
    /\ restoredId = 0
    /\ restored = [p \in Partitions |-> <<>>]

Init == InitWith([p \in Partitions |-> <<>>], 0)

\* The seed's scenario: a process instance on the lowest partition already waits for a message
\* correlated on another partition; its client command is the first record of that partition's
\* log, before any checkpoint is triggered.
WaitingInstanceInit ==
    LET p == Min(Partitions)
        q == Min(Partitions \ {p})
    IN InitWith([r \in Partitions |-> IF r = p THEN <<ClientRecord(1, q)>> ELSE <<>>], 1)

\* A user or the scheduler triggers the next checkpoint id; it reaches partitions one at a time.
Trigger(k) ==
    /\ triggered < MaxCheckpointId
    /\ triggered' = triggered + 1
    /\ kindOf' = [kindOf EXCEPT ![triggered + 1] = k]
    /\ undelivered' = [p \in Partitions |-> undelivered[p] \cup {triggered + 1}]
    /\ UNCHANGED <<log, processed, cpId, cpPos, cpKind, commands, msgs, pending, backups, restoredId, restored>>

\* The trigger for checkpoint c reaches partition p, which appends CHECKPOINT_CREATE{c}.
Deliver(p, c) ==
    /\ c \in undelivered[p]
    /\ log' = [log EXCEPT ![p] = Append(@, CreateRecord(c, kindOf[c]))]
    /\ undelivered' = [undelivered EXCEPT ![p] = @ \ {c}]
    /\ UNCHANGED <<processed, cpId, cpPos, cpKind, triggered, kindOf, commands, msgs, pending, backups, restoredId, restored>>

\* A client command on p that will need partition q (a message subscription, say).  By
\* symmetry between partitions, client commands start on the lowest-numbered partition.
ClientCommand(p, q) ==
    /\ p = Min(Partitions)
    /\ p # q
    /\ commands < MaxCommands
    /\ commands' = commands + 1
    /\ log' = [log EXCEPT ![p] = Append(@, ClientRecord(2 * commands + 1, q))]
    /\ UNCHANGED <<processed, cpId, cpPos, cpKind, triggered, kindOf, undelivered, msgs, pending, backups, restoredId, restored>>

\* The command p sends while processing a record carries p's checkpoint id at that moment.
Send(p, m, q) ==
    msgs' = msgs \cup {[id |-> m, from |-> p, to |-> q,
                        cp |-> IF Piggyback THEN cpId[p] ELSE 0,
                        cpKind |-> IF Piggyback THEN cpKind[p] ELSE "NONE"]}

\* Processing CHECKPOINT_CREATE{c} at position x: a higher id creates the checkpoint and,
\* for a backup type, hands (c, x) to the backup manager; otherwise it is ignored.
ProcessCreate(p, x, r) ==
    /\ IF r.id > cpId[p]
       THEN /\ cpId' = [cpId EXCEPT ![p] = r.id]
            /\ cpPos' = [cpPos EXCEPT ![p] = x]
            /\ cpKind' = [cpKind EXCEPT ![p] = r.kind]
            /\ pending' = IF IsBackupKind(r.kind)
                          THEN [pending EXCEPT ![p] = @ \cup {[id |-> r.id, pos |-> x]}]
                          ELSE pending
       ELSE UNCHANGED <<cpId, cpPos, cpKind, pending>>
    /\ UNCHANGED msgs

\* Processing a client command sends its request; processing a received request sends the
\* acknowledgement back; processing a received acknowledgement sends nothing.
ProcessCommand(p, r) ==
    /\ CASE r.type = "CLIENT" -> Send(p, r.msg, r.peer)
         [] r.type = "RECEIVE" /\ IsRequest(r.msg) -> Send(p, r.msg + 1, r.peer)
         [] OTHER -> UNCHANGED msgs
    /\ UNCHANGED <<cpId, cpPos, cpKind, pending>>

\* The stream processor of p processes its next record.
Process(p) ==
    /\ processed[p] < Len(log[p])
    /\ LET x == processed[p] + 1
           r == log[p][x]
       IN IF r.type = "CREATE" THEN ProcessCreate(p, x, r) ELSE ProcessCommand(p, r)
    /\ processed' = [processed EXCEPT ![p] = @ + 1]
    /\ UNCHANGED <<log, triggered, kindOf, undelivered, commands, backups, restoredId, restored>>

\* The transport of q receives command m.  A piggybacked id higher than both the processed
\* and the in-flight checkpoint id forces CHECKPOINT_CREATE, which must land first.
Receive(m) ==
    /\ m \in msgs
    /\ LET q == m.to
           force == m.cp > cpId[q] /\ m.cp > InFlightId(q)
           create == CreateRecord(m.cp, m.cpKind)
           received == ReceiveRecord(m)
           appended == IF ~force THEN <<received>>
                       ELSE IF CheckpointFirst THEN <<create, received>>
                       ELSE <<received, create>>
       IN log' = [log EXCEPT ![q] = @ \o appended]
    /\ msgs' = msgs \ {m}
    /\ UNCHANGED <<processed, cpId, cpPos, cpKind, triggered, kindOf, undelivered, commands, pending, backups, restoredId, restored>>

\* The backup manager of p copies the log asynchronously: up to any durable length at or
\* beyond the checkpoint record, never a length the log does not have yet.
TakeBackup(p) ==
    /\ \E e \in pending[p], n \in 1..Len(log[p]) :
         /\ n >= e.pos
         /\ backups' = [backups EXCEPT ![p] = @ \cup {[id |-> e.id, pos |-> e.pos, log |-> SubSeq(log[p], 1, n)]}]
         /\ pending' = [pending EXCEPT ![p] = @ \ {e}]
    /\ UNCHANGED <<log, processed, cpId, cpPos, cpKind, triggered, kindOf, undelivered, commands, msgs, restoredId, restored>>

\* The backup of p for checkpoint i, if there is one.
BackupsFor(p, i) == {b \in backups[p] : b.id = i}

\* The check restore makes before truncating: the record at the checkpoint position is that checkpoint.
HoldsCheckpoint(b) == Len(b.log) >= b.pos /\ b.log[b.pos].type = "CREATE" /\ b.log[b.pos].id = b.id

\* Restore every partition from its backup for checkpoint i, truncating right after the checkpoint record.
Restore(i) ==
    /\ i # restoredId
    /\ \A p \in Partitions : BackupsFor(p, i) # {}
    /\ \A p \in Partitions : \A b \in BackupsFor(p, i) : HoldsCheckpoint(b)
    /\ restoredId' = i
    /\ restored' = [p \in Partitions |-> LET chosen == CHOOSE b \in BackupsFor(p, i) : TRUE
                                         IN SubSeq(chosen.log, 1, chosen.pos)]
    /\ UNCHANGED <<log, processed, cpId, cpPos, cpKind, triggered, kindOf, undelivered, commands, msgs, pending, backups>>

Next ==
    \/ \E k \in Kinds : Trigger(k)
    \/ \E p \in Partitions, c \in CheckpointIds : Deliver(p, c)
    \/ \E p, q \in Partitions : ClientCommand(p, q)
    \/ \E p \in Partitions : Process(p)
    \/ \E m \in msgs : Receive(m)
    \/ \E p \in Partitions : TakeBackup(p)
    \/ \E i \in CheckpointIds : Restore(i)

\* Every partition keeps processing its log and keeps receiving triggers.
Fairness ==
    \A p \in Partitions :
        /\ WF_vars(Process(p))
        /\ WF_vars(\E c \in CheckpointIds : Deliver(p, c))

Spec == Init /\ [][Next]_vars /\ Fairness

\* The same system without fairness: a partition may stop processing forever, so the liveness
\* property must fail (this shows CheckpointReached is not vacuous).
UnfairSpec == Init /\ [][Next]_vars

-----------------------------------------------------------------------------
(* Invariants and the liveness property.                                   *)

TypeOK ==
    /\ DOMAIN log = Partitions /\ \A p \in Partitions : IsSeqOf(log[p], Record)
    /\ DOMAIN processed = Partitions /\ \A p \in Partitions : processed[p] \in 0..Len(log[p])
    /\ cpId \in [Partitions -> 0..MaxCheckpointId]
    /\ DOMAIN cpPos = Partitions /\ \A p \in Partitions : cpPos[p] \in 0..processed[p]
    /\ cpKind \in [Partitions -> Kinds \cup {"NONE"}]
    /\ triggered \in 0..MaxCheckpointId
    /\ kindOf \in [CheckpointIds -> Kinds \cup {"NONE"}]
    /\ undelivered \in [Partitions -> SUBSET CheckpointIds]
    /\ commands \in 0..MaxCommands
    /\ msgs \subseteq Message
    /\ DOMAIN pending = Partitions
    /\ \A p \in Partitions : \A e \in pending[p] :
          DOMAIN e = {"id", "pos"} /\ e.id \in CheckpointIds /\ e.pos \in 1..Len(log[p])
    /\ DOMAIN backups = Partitions /\ \A p \in Partitions : \A b \in backups[p] : IsBackup(b)
    /\ restoredId \in 0..MaxCheckpointId
    /\ DOMAIN restored = Partitions /\ \A p \in Partitions : IsSeqOf(restored[p], Record)

\* For every checkpoint id i with a complete cut, no command is recorded as received at or
\* before the receiver's cut while the record whose processing sent it lies after the
\* sender's cut (an orphan message).
ConsistentCut ==
    \A i \in CheckpointIds : HasCut(i) =>
        \A q \in Partitions : \A y \in 1..CutPos(q, i) :
            log[q][y].type = "RECEIVE" =>
                \A p \in Partitions : \A x \in 1..Len(log[p]) :
                    Sends(log[p][x], log[q][y].msg) => x <= CutPos(p, i)

\* A restored log equals the original log up to and including the checkpoint record.
RestoredLogIsPrefix ==
    restoredId # 0 =>
        \A p \in Partitions :
            /\ CreatePositions(log[p], restoredId) # {}
            /\ restored[p] = SubSeq(log[p], 1, CutPos(p, restoredId))

\* Every backup contains its checkpoint record at the checkpoint position.
BackupHoldsCheckpoint ==
    \A p \in Partitions : \A b \in backups[p] : HoldsCheckpoint(b)

\* Every triggered checkpoint id is eventually reached by every partition.
CheckpointReached ==
    \A c \in CheckpointIds : (triggered >= c) ~> (\A p \in Partitions : cpId[p] >= c)

=============================================================================

------------------------- MODULE CheckpointProtocolTrace -------------------------
(***************************************************************************)
(* Trace validation of cutline's engine against CheckpointProtocol (the    *)
(* method of Cirstea, Kuppe, Loillier and Merz, 2024): `cutline            *)
(* model-check --trace run.ndjson` maps every event of the engine's        *)
(* protocol trace to one of the step operators below, binds their          *)
(* parameters to the event's values, and searches for a behaviour of the   *)
(* spec that takes these steps in the trace's order.  Each step is an      *)
(* action of CheckpointProtocol conjoined with what the event says about   *)
(* the next state, except where the engine is finer or coarser than the    *)
(* spec; those places are marked ABSTRACTION and say why.                  *)
(*                                                                         *)
(* Positions here are indices into the spec's logs, which hold only        *)
(* CHECKPOINT_CREATE (CREATE), client commands (CLIENT) and received       *)
(* inter-partition commands (RECEIVE); the mapping translates the engine's *)
(* log positions, skipping the records the spec does not model             *)
(* (CHECKPOINT_CREATED, CHECKPOINT_IGNORED, BACKUP_CONFIRMED).             *)
(***************************************************************************)
EXTENDS CheckpointProtocol

\* ABSTRACTION: the spec's ClientCommand starts a request/acknowledgement exchange on one partition
\* (by symmetry) and fixes the message its processing sends.  The engine's workload (instances,
\* subscriptions, messages) decides that itself, so a client command is an opaque CLIENT record and
\* the commands its processing sends are separate events (SendStep), checked for their piggybacked id.
WorkloadRecord == [type |-> "CLIENT", id |-> 0, kind |-> "NONE", msg |-> 0, peer |-> NoPartition]

\* The CHECKPOINT_CREATE records of p at positions 1..x.
CreatesUpTo(p, x) == {y \in 1..x : log[p][y].type = "CREATE"}

\* checkpointId(p) right after p processed position x: processing CHECKPOINT_CREATE raises it to a
\* higher id and ignores any other, so it is the highest id among the records up to x.
CpIdAt(p, x) ==
    LET ids == {log[p][y].id : y \in CreatesUpTo(p, x)}
    IN IF ids = {} THEN 0 ELSE Max(ids)

\* The type that came with CpIdAt(p, x): the one of the first record that raised p to that id.
CpKindAt(p, x) ==
    IF CpIdAt(p, x) = 0 THEN "NONE"
    ELSE log[p][Min({y \in CreatesUpTo(p, x) : log[p][y].id = CpIdAt(p, x)})].kind

\* What SendStep requires a command sent for the record at x to piggyback (rejection reports show it).
ExpectedPiggyback(p, x) == [cp |-> CpIdAt(p, x), cpKind |-> CpKindAt(p, x)]

-----------------------------------------------------------------------------
(* The step operators, one per kind of trace event.                        *)

\* checkpoint-triggered: the external trigger of checkpoint c with type k.
TriggerStep(c, k) == Trigger(k) /\ triggered' = c

\* checkpoint-create-appended: the trigger of c reached p, which appended CHECKPOINT_CREATE{c}.
DeliverStep(p, c, k) == Deliver(p, c) /\ kindOf[c] = k

\* command-appended: a client command appended to p's log (see WorkloadRecord).
ClientStep(p) ==
    /\ log' = [log EXCEPT ![p] = Append(@, WorkloadRecord)]
    /\ UNCHANGED <<processed, cpId, cpPos, cpKind, triggered, kindOf, undelivered, commands, msgs, pending, backups, restoredId, restored>>

\* record-processed for a CHECKPOINT_CREATE at x: the spec's Process(p), after which the engine
\* reported checkpoint c at position cx.
ProcessCreateStep(p, x, c, cx) ==
    /\ processed[p] + 1 = x
    /\ x <= Len(log[p])
    /\ log[p][x].type = "CREATE"
    /\ Process(p)
    /\ cpId'[p] = c
    /\ cpPos'[p] = cx

\* record-processed for a command at x.  ABSTRACTION: the spec's Process(p) also sends the message
\* the spec's workload prescribes; here sending is SendStep, so this step only advances processed.
\* Processing a command never changes the checkpoint, which the engine reported as (c, cx).
ProcessCommandStep(p, x, c, cx) ==
    /\ processed[p] + 1 = x
    /\ x <= Len(log[p])
    /\ log[p][x].type # "CREATE"
    /\ cpId[p] = c
    /\ cpPos[p] = cx
    /\ processed' = [processed EXCEPT ![p] = @ + 1]
    /\ UNCHANGED <<log, cpId, cpPos, cpKind, triggered, kindOf, undelivered, commands, msgs, pending, backups, restoredId, restored>>

\* What the spec does when p processes its next record, without the workload's sends (see
\* ProcessCommandStep): rejection reports show it instead of Process(p), whose sends follow the
\* spec's own workload and do not apply to the engine's records.
ProcessNext(p) ==
    /\ processed[p] < Len(log[p])
    /\ IF log[p][processed[p] + 1].type = "CREATE" THEN Process(p)
       ELSE ProcessCommandStep(p, processed[p] + 1, cpId[p], cpPos[p])

\* command-sent: p sends m because it processed the command at x.  This is the spec's Send(p, m.id,
\* m.to) evaluated when x was processed: the piggybacked id is the checkpoint in force right after
\* x, whenever the engine actually hands the command to the transport (after its commit, or on a
\* retry).  A message id is [source |-> x, command |-> its type and instance], so the record that
\* sent a received command is known (TraceConsistentCut reads it).
SendStep(p, x, m) ==
    /\ x <= processed[p]
    /\ log[p][x].type # "CREATE"
    /\ m.from = p
    /\ m.id.source = x
    /\ m.cp = (IF Piggyback THEN CpIdAt(p, x) ELSE 0)
    /\ m.cpKind = (IF Piggyback THEN CpKindAt(p, x) ELSE "NONE")
    /\ msgs' = msgs \cup {m}
    /\ UNCHANGED <<log, processed, cpId, cpPos, cpKind, triggered, kindOf, undelivered, commands, pending, backups, restoredId, restored>>

\* Whether partition m.to has already appended command m (a copy of it: the piggybacked id is checked by SendStep).
Received(m) == \E y \in 1..Len(log[m.to]) : log[m.to][y].type = "RECEIVE" /\ log[m.to][y].msg = m.id /\ log[m.to][y].peer = m.from

\* ABSTRACTION: msgs holds the commands in flight, and a command the engine's network lost stays in
\* it (the spec has no loss), so a command was sent before exactly when it is in flight or received.
WasSent(m) == m \in msgs \/ Received(m)

\* command-sent with retry = false: the first send of m, which the processing of x causes once.
FirstSendStep(p, x, m) == ~WasSent(m) /\ SendStep(p, x, m)

\* command-sent with retry = true: the outbox sends m again.  ABSTRACTION: it may be the first send
\* after all: the spec has no crash, and a partition that crashed between its commit and its sends
\* sends the command from its outbox when it is back, not knowing whether it was sent before.
RetryStep(p, x, m) == SendStep(p, x, m)

\* ABSTRACTION: the spec's msgs is a set, so it cannot hold the second copy of a command that is
\* in flight twice (a retry sent while the first copy travels, or a duplicating network).  Receiving
\* such a copy is DuplicateStep (the network puts back a copy of a command received before)
\* followed by ReceiveStep; a command never sent cannot come back this way.
DuplicateStep(p, x, m) == m \notin msgs /\ Received(m) /\ SendStep(p, x, m)

\* command-received: the spec's Receive(m); the engine appended the command alone (forced = FALSE)
\* or a CHECKPOINT_CREATE first and then the command (forced = TRUE).
ReceiveStep(m, forced) ==
    /\ Receive(m)
    /\ Len(log'[m.to]) = Len(log[m.to]) + (IF forced THEN 2 ELSE 1)
    /\ log'[m.to][Len(log'[m.to])].type = "RECEIVE"

\* backup-taken: the backup of p for checkpoint c at position cx holds the first n records.
BackupStep(p, c, cx, n) ==
    /\ TakeBackup(p)
    /\ \E b \in backups'[p] \ backups[p] : b.id = c /\ b.pos = cx /\ Len(b.log) = n

\* Restore(i) again, once more from the same backups: the engine may restore one backup twice.
RestoreAgain(i) ==
    /\ i = restoredId
    /\ \A p \in Partitions : BackupsFor(p, i) # {}
    /\ \A p \in Partitions : \A b \in BackupsFor(p, i) : HoldsCheckpoint(b)
    /\ UNCHANGED vars

\* Point-in-time restore to checkpoint i (a MARKER or a backup checkpoint): every partition is cut
\* right after the CHECKPOINT_CREATE at cuts[p], read from a backup that holds the log that far.
\* ABSTRACTION: the spec's backups hold their log from position 1 (it has no compaction), so one
\* backup reaching past the cut stands for the range of consecutive backups the planner stitches.
\* RestoredLogIsPrefix then checks that cuts[p] is partition p's first checkpoint record >= i.
PointInTimeRestore(i, cuts) ==
    /\ \A p \in Partitions :
         /\ cuts[p] \in 1..Len(log[p])
         /\ log[p][cuts[p]].type = "CREATE" /\ log[p][cuts[p]].id >= i
         /\ \E b \in backups[p] : Len(b.log) >= cuts[p]
    /\ restoredId' = i
    /\ restored' = [p \in Partitions |-> SubSeq((CHOOSE b \in backups[p] : Len(b.log) >= cuts[p]).log, 1, cuts[p])]
    /\ UNCHANGED <<log, processed, cpId, cpPos, cpKind, triggered, kindOf, undelivered, commands, msgs, pending, backups>>

\* restored: every partition restored from its backup of checkpoint i, or to checkpoint i from the
\* backups that reach it, truncated after cuts[p].
RestoreStep(i, cuts) ==
    /\ Restore(i) \/ RestoreAgain(i) \/ PointInTimeRestore(i, cuts)
    /\ \A p \in Partitions : Len(restored'[p]) = cuts[p]

RECURSIVE FirstCreateFrom(_, _, _)
\* The position of the first checkpoint record with id >= i in log l at or after x, 0 if there is none
\* (CutPos without building the set of positions: the invariant below is evaluated after every event).
FirstCreateFrom(l, i, x) ==
    IF x > Len(l) THEN 0
    ELSE IF l[x].type = "CREATE" /\ l[x].id >= i THEN x
    ELSE FirstCreateFrom(l, i, x + 1)

\* The highest checkpoint id among p's records before position x (0 if there is none).
MaxIdBefore(p, x) ==
    LET ids == {log[p][y].id : y \in {z \in 1..(x - 1) : log[p][z].type = "CREATE"}}
    IN IF ids = {} THEN 0 ELSE Max(ids)

\* The checkpoint ids whose cut on some partition may lie among its last two records (a step appends
\* at most two): the ids a CHECKPOINT_CREATE there raised the partition past.
FreshIds ==
    UNION {{i \in CheckpointIds :
               \E x \in {Len(log[p]) - 1, Len(log[p])} \cap 1..Len(log[p]) :
                   log[p][x].type = "CREATE" /\ i <= log[p][x].id /\ MaxIdBefore(p, x) < i}
           : p \in Partitions}

\* ConsistentCut, with the sender of a received command read from its message id instead of the
\* spec's fixed workload (Sends): no command is received at or before its receiver's cut while the
\* record that sent it lies after its sender's cut.  Logs only grow, so a cut never moves once every
\* partition has it, and a violation can only appear in the state where the last partition's cut is
\* appended: checked in every state of a trace, the ids of FreshIds are all ids (and far cheaper).
TraceConsistentCut ==
    \A i \in FreshIds :
        LET cut == [p \in Partitions |-> FirstCreateFrom(log[p], i, 1)]
        IN (\A p \in Partitions : cut[p] > 0) =>
               \A q \in Partitions : \A y \in 1..cut[q] :
                   log[q][y].type = "RECEIVE" => log[q][y].msg.source <= cut[log[q][y].peer]

\* The end of a trace recorded until the engine settled: every trigger reached every partition, every
\* appended record was processed and, over a network that loses nothing, every command sent was
\* received (trace validation's `settled` option checks it at the end).
TraceSettled(lossless) ==
    /\ \A p \in Partitions : processed[p] = Len(log[p]) /\ undelivered[p] = {}
    /\ lossless => msgs = {}

\* What a trace validation checks in every state it reaches besides the steps themselves.
TraceInvariants == BackupHoldsCheckpoint /\ RestoredLogIsPrefix /\ TraceConsistentCut

=============================================================================

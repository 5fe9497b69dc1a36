---------------------------- MODULE ChunkCollection ----------------------------
(***************************************************************************)
(* Chunk collection in store format v2: the backups of one partition       *)
(* store their files as content-addressed chunks under chunks/{p}/, and    *)
(* a backup reuses a chunk an earlier backup stored.  A collector          *)
(* deletes the chunks no manifest references any more (orphans of FAILED   *)
(* backups, chunks of DELETED ones) while writers keep running, so it      *)
(* must never delete a chunk a writer has decided to reuse.                *)
(*                                                                         *)
(* Writer b:  W1 creates manifest b IN_PROGRESS; W2 writes its intent (the *)
(* chunks it will reference); W3 reads the collection record and waits     *)
(* while the record condemns one of its chunks; W4 reuses each chunk that  *)
(* is stored and puts each missing one; W5 marks the manifest COMPLETED.   *)
(* A writer may fail at any step after W1 (its uploads stay as orphans),   *)
(* and retention may delete any COMPLETED or FAILED manifest at any time.  *)
(* Collector: C1 creates the record; C2 lists the stored chunks and the    *)
(* references (IN_PROGRESS and COMPLETED manifests), candidates = stored   *)
(* chunks nobody references; C3 condemns the candidates in the record; C4  *)
(* lists the references again and deletes, one chunk per step, the         *)
(* candidates nobody references now; C5 deletes the record.                *)
(*                                                                         *)
(* Left out: the chunks' bytes (a chunk is its hash) and the collector's   *)
(* lease (a crashed collector's record, removed as stale after 2 x lease,  *)
(* and deletes stopped when the lease runs out): here one collector runs   *)
(* at a time and never crashes mid-run.                                    *)
(*                                                                         *)
(* RecheckReferences = FALSE is a broken variant whose collector skips the *)
(* second listing and deletes every candidate of C2, also one a writer     *)
(* reused after W3; it must violate CompletedChunksExist.                  *)
(***************************************************************************)
EXTENDS Naturals, FiniteSets

CONSTANTS
    Chunks,             \* the chunks (by content hash) the backups may reference
    Backups,            \* the backup ids of the partition, one writer each
    MaxRuns,            \* the collector runs at most MaxRuns times
    RecheckReferences   \* TRUE: C4 lists the manifests again before deleting

VARIABLES
    stored,        \* the chunks present under chunks/{p}/
    status,        \* status[b]: manifest b's status ("NONE" before W1)
    refs,          \* refs[b]: the chunks manifest b lists (its intent from W2 on)
    wpc,           \* wpc[b]: writer b's next step
    toPut,         \* toPut[b]: chunks of b that W4 has not yet reused or put
    recordExists,  \* whether the collection record collections/{p}.json exists
    condemned,     \* the chunks the record condemns ({} while it is absent)
    cpc,           \* the collector's next step
    candidates,    \* the chunks the collector means to delete (C2, narrowed by C4)
    runs           \* how many collector runs have started (C1)

vars == <<stored, status, refs, wpc, toPut, recordExists, condemned, cpc, candidates, runs>>

-----------------------------------------------------------------------------
Statuses == {"NONE", "IN_PROGRESS", "COMPLETED", "FAILED", "DELETED"}

\* A writer's next step: "W1" .. "W4" ("W4" until every chunk is reused or put, then W5 is
\* enabled), "DONE" after W5 or a failure.
WriterSteps == {"W1", "W2", "W3", "W4", "DONE"}

\* The collector's next step: "C1" while idle (no record of its own), "C4del" while it
\* deletes the candidates the second listing left (C5 is enabled once they are gone).
CollectorSteps == {"C1", "C2", "C3", "C4", "C4del"}

\* The chunks listed by any manifest a collector must respect: IN_PROGRESS (an intent,
\* possibly still empty after W1) or COMPLETED.
Live == {b \in Backups : status[b] \in {"IN_PROGRESS", "COMPLETED"}}
Referenced == UNION {refs[b] : b \in Live}

-----------------------------------------------------------------------------
Init ==
    /\ stored = {}
    /\ status = [b \in Backups |-> "NONE"]
    /\ refs = [b \in Backups |-> {}]
    /\ wpc = [b \in Backups |-> "W1"]
    /\ toPut = [b \in Backups |-> {}]
    /\ recordExists = FALSE
    /\ condemned = {}
    /\ cpc = "C1"
    /\ candidates = {}
    /\ runs = 0

CollectorVars == <<recordExists, condemned, cpc, candidates, runs>>

\* W1: create manifest b IN_PROGRESS with no files (claims the id).
W1(b) ==
    /\ wpc[b] = "W1"
    /\ status' = [status EXCEPT ![b] = "IN_PROGRESS"]
    /\ wpc' = [wpc EXCEPT ![b] = "W2"]
    /\ UNCHANGED <<stored, refs, toPut>> /\ UNCHANGED CollectorVars

\* W2: the hash pass; overwrite manifest b with every chunk it will reference. Any chunk
\* may be one an earlier backup stored (reuse) or an orphan of a failed one.
W2(b) ==
    /\ wpc[b] = "W2"
    /\ \E s \in SUBSET Chunks \ {{}} :
          /\ refs' = [refs EXCEPT ![b] = s]
          /\ toPut' = [toPut EXCEPT ![b] = s]
    /\ wpc' = [wpc EXCEPT ![b] = "W3"]
    /\ UNCHANGED <<stored, status>> /\ UNCHANGED CollectorVars

\* W3: read the record; while it condemns a chunk of b, b waits (polls again): the step is
\* enabled once the record is absent or condemns none of b's chunks.
W3(b) ==
    /\ wpc[b] = "W3"
    /\ ~recordExists \/ refs[b] \cap condemned = {}
    /\ wpc' = [wpc EXCEPT ![b] = "W4"]
    /\ UNCHANGED <<stored, status, refs, toPut>> /\ UNCHANGED CollectorVars

\* W4, one chunk per step: a stored chunk is reused, a missing one is put create-only
\* (already-exists is a reuse). The writer lists chunks/{p}/ once and then puts what was
\* missing; a behaviour of that is one of these where every chunk the listing showed is
\* decided right at the listing and every missing one at its put.
W4(b) ==
    /\ wpc[b] = "W4"
    /\ \E c \in toPut[b] :
          /\ stored' = stored \cup {c}
          /\ toPut' = [toPut EXCEPT ![b] = @ \ {c}]
    /\ UNCHANGED <<status, refs, wpc>> /\ UNCHANGED CollectorVars

\* W5: every chunk is reused or put; overwrite manifest b COMPLETED.
W5(b) ==
    /\ wpc[b] = "W4"
    /\ toPut[b] = {}
    /\ status' = [status EXCEPT ![b] = "COMPLETED"]
    /\ wpc' = [wpc EXCEPT ![b] = "DONE"]
    /\ UNCHANGED <<stored, refs, toPut>> /\ UNCHANGED CollectorVars

\* The writer fails after W1 and before W5: manifest b FAILED; what it put stays stored.
Fail(b) ==
    /\ wpc[b] \in {"W2", "W3", "W4"}
    /\ status' = [status EXCEPT ![b] = "FAILED"]
    /\ wpc' = [wpc EXCEPT ![b] = "DONE"]
    /\ toPut' = [toPut EXCEPT ![b] = {}]
    /\ UNCHANGED <<stored, refs>> /\ UNCHANGED CollectorVars

\* Retention or an operator deletes a finished backup's manifest.
DeleteManifest(b) ==
    /\ status[b] \in {"COMPLETED", "FAILED"}
    /\ status' = [status EXCEPT ![b] = "DELETED"]
    /\ UNCHANGED <<stored, refs, wpc, toPut>> /\ UNCHANGED CollectorVars

WriterVars == <<status, refs, wpc, toPut>>

\* C1: create the record create-only (only while none exists); nothing condemned yet.
C1 ==
    /\ cpc = "C1"
    /\ runs < MaxRuns
    /\ ~recordExists
    /\ recordExists' = TRUE
    /\ condemned' = {}
    /\ runs' = runs + 1
    /\ cpc' = "C2"
    /\ UNCHANGED <<stored, candidates>> /\ UNCHANGED WriterVars

\* C2: list the stored chunks and the manifests; candidates are the unreferenced chunks.
C2 ==
    /\ cpc = "C2"
    /\ candidates' = stored \ Referenced
    /\ cpc' = "C3"
    /\ UNCHANGED <<stored, recordExists, condemned, runs>> /\ UNCHANGED WriterVars

\* C3: overwrite the record, condemning the candidates.
C3 ==
    /\ cpc = "C3"
    /\ condemned' = candidates
    /\ cpc' = "C4"
    /\ UNCHANGED <<stored, recordExists, candidates, runs>> /\ UNCHANGED WriterVars

\* C4, the listing: list the manifests again and keep only the candidates nobody references
\* now. The broken variant skips the listing and keeps every candidate of C2.
C4 ==
    /\ cpc = "C4"
    /\ candidates' = IF RecheckReferences THEN candidates \ Referenced ELSE candidates
    /\ cpc' = "C4del"
    /\ UNCHANGED <<stored, recordExists, condemned, runs>> /\ UNCHANGED WriterVars

\* C4, the deletes: one candidate per step.
C4Delete ==
    /\ cpc = "C4del"
    /\ \E c \in candidates :
          /\ stored' = stored \ {c}
          /\ candidates' = candidates \ {c}
    /\ UNCHANGED <<recordExists, condemned, cpc, runs>> /\ UNCHANGED WriterVars

\* C5: every candidate is deleted; delete the record.
C5 ==
    /\ cpc = "C4del"
    /\ candidates = {}
    /\ recordExists' = FALSE
    /\ condemned' = {}
    /\ cpc' = "C1"
    /\ UNCHANGED <<stored, candidates, runs>> /\ UNCHANGED WriterVars

Next ==
    \/ \E b \in Backups :
          \/ W1(b) \/ W2(b) \/ W3(b) \/ W4(b) \/ W5(b) \/ Fail(b) \/ DeleteManifest(b)
    \/ C1 \/ C2 \/ C3 \/ C4 \/ C4Delete \/ C5

Spec == Init /\ [][Next]_vars

-----------------------------------------------------------------------------
TypeOK ==
    /\ stored \in SUBSET Chunks
    /\ status \in [Backups -> Statuses]
    /\ refs \in [Backups -> SUBSET Chunks]
    /\ wpc \in [Backups -> WriterSteps]
    /\ toPut \in [Backups -> SUBSET Chunks]
    /\ \A b \in Backups : toPut[b] \subseteq refs[b]
    /\ recordExists \in BOOLEAN
    /\ condemned \in SUBSET Chunks
    /\ recordExists = (cpc # "C1")
    /\ recordExists = FALSE => condemned = {}
    /\ cpc \in CollectorSteps
    /\ candidates \in SUBSET Chunks
    /\ runs \in 0..MaxRuns

\* The safety property of the protocol: a COMPLETED backup can be restored, every chunk
\* its manifest references is stored.
CompletedChunksExist ==
    \A b \in Backups : status[b] = "COMPLETED" => refs[b] \subseteq stored

=============================================================================

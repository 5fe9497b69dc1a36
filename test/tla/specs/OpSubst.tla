---- MODULE OpSubst ----
\* A model replaces operators with parameters in the .cfg: Seq <- BoundedSeq (a standard operator, so that
\* \E q \in Seq(S) is enumerable) and Step(k) <- DoubleStep(k) (a definition). Expected figures are TLC's (one worker).
EXTENDS Naturals, Sequences
VARIABLE q

BoundedSeq(S) == UNION {[1..n -> S] : n \in 0..2}
Step(k) == k + 1
DoubleStep(k) == k + 2

Init == q \in Seq({0, 1})
Next == \E r \in Seq({0, 1, 2}) : Len(r) = (Len(q) + 1) % 3 /\ q' = [i \in DOMAIN r |-> Step(r[i]) % 3]
SmallSum == Len(q) < 2 \/ q[1] + q[2] < 4
====

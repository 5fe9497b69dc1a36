---- MODULE Branching ----
\* Two initial states (a \in 0..1) and x' \in S branching. Each of the 4 states with b < 2 has
\* two successors (a' = a and a' = 1 - a): distinct 2 * 3 = 6, depth 3 (b = 0, 1, 2),
\* generated 2 + 4 * 2 = 10. b = 2 is a deadlock, so the .cfg turns deadlock checking off.
EXTENDS Naturals
VARIABLES a, b
Init == a \in 0..1 /\ b = 0
Next == /\ b < 2
        /\ b' = b + 1
        /\ a' \in {a, 1 - a}
TypeOK == a \in {0, 1} /\ b \in 0..2
====

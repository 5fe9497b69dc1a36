---- MODULE SymGroup ----
\* SYMMETRY Permutations(A) \cup Permutations(B): TLC reduces by the group that set generates (every pair of a
\* permutation of A and one of B), not by the listed permutations alone.
EXTENDS TLC
CONSTANTS A, B
VARIABLES x, y
Sym == Permutations(A) \cup Permutations(B)
Init == x = {} /\ y = {}
Next == \/ \E a \in A, b \in B : x' = x \cup {<<a, b>>} /\ UNCHANGED y
        \/ \E b \in B : y' = y \cup {b} /\ UNCHANGED x
====

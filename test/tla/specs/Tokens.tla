---- MODULE Tokens ----
\* One token held by nobody or by one of three symmetric processes (model values).
\* Without symmetry: 4 distinct (NoOne, p1, p2, p3), depth 2, generated 1 + 3 + 3 * 1 = 7.
\* With SYMMETRY the three holders are one state: 2 distinct, generated 1 + 3 + 1 = 5.
EXTENDS TLC
CONSTANTS Procs, NoOne
VARIABLE holder
Init == holder = NoOne
Take == holder = NoOne /\ \E p \in Procs : holder' = p
Give == holder # NoOne /\ holder' = NoOne
Next == Take \/ Give
Perms == Permutations(Procs)
TypeOK == holder \in Procs \cup {NoOne}
====

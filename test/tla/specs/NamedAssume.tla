---- MODULE NamedAssume ----
\* ASSUME Name == P defines Name as well (SANY accepts it; FastPaxos uses Paxos's PaxosAssume so).
EXTENDS Naturals
CONSTANT N
ASSUME Sane == N \in 1..4
ASSUME Sane /\ N > 1
VARIABLE x
Init == x = 0
Next == x < N /\ x' = x + 1
====

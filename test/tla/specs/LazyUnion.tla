---- MODULE LazyUnion ----
\* Int \cup {NULL} and UNION over a set of functions into it are membership tests, as in TLC: the
\* instance substitutes Int for Values. Expected figures are TLC's (tla2tools built from tlaplus/tlaplus, one worker).
EXTENDS Integers
CONSTANT NULL
VARIABLE slots
S == INSTANCE Slots WITH Values <- Int
Init == S!Init
Next == \E i \in 0..1, v \in -1..1 : slots[i] # v /\ S!Write(i, v)
TypeOK == S!TypeOK
NoZeroPair == ~(slots[0] = 0 /\ slots[1] = 0)
====

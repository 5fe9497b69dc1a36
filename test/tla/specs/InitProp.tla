---- MODULE InitProp ----
\* A state predicate among a PROPERTY's conjuncts holds of the initial state only (TLC checks it there).
EXTENDS Naturals
VARIABLE x
Init == x = 0
Next == x < 3 /\ x' = x + 1
Spec == Init /\ [][Next]_x
Good == x = 0 /\ [][x' >= x]_x
Bad == x = 1 /\ [][x' >= x]_x
====

---- MODULE Stops ----
\* Counts to 3 and stops: x = 3 has no successor, a deadlock. Distinct 4, depth 4,
\* generated 1 + 3 = 4; the trace is the 4 states x = 0, 1, 2, 3.
EXTENDS Naturals
VARIABLE x
Init == x = 0
Next == x < 3 /\ x' = x + 1
====

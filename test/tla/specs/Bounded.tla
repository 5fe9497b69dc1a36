---- MODULE Bounded ----
\* A counter cut off by a CONSTRAINT. TLC generates x = 6 from x = 5 but does not add it to
\* the state set (it is outside the model), so: distinct 6 (x = 0..5), depth 6,
\* generated 1 initial + 6 successors = 7, and x = 5 is no deadlock (it has a successor).
EXTENDS Naturals
VARIABLE x
Init == x = 0
Next == x' = x + 1
Small == x <= 5
====

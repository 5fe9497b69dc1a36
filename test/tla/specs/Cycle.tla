---- MODULE Cycle ----
\* x cycles 0 -> 1 -> 2 -> 0: 3 distinct states, depth 3, generated 1 + 3 = 4.
\* With WF_x(Next) the behavior cannot stop, so []<>(x = 2) holds; without fairness it
\* may stutter forever at x = 0 and the property fails with a stuttering lasso.
EXTENDS Naturals
VARIABLE x
Init == x = 0
Next == x' = (x + 1) % 3
FairSpec == Init /\ [][Next]_x /\ WF_x(Next)
UnfairSpec == Init /\ [][Next]_x
OftenTwo == []<>(x = 2)
====

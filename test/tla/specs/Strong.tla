---- MODULE Strong ----
\* A toggles x forever; B, enabled only when x = 1, sets y. Weak fairness on B is not enough
\* (B is disabled every other step), strong fairness is. States (x, y): 4 distinct, depth 4
\* ((0,F) (1,F) (1,T) (0,T)); generated 1 + 1 + 2 + 2 + 1 = 7 (B at y = TRUE loops back).
EXTENDS Naturals
VARIABLES x, y
vars == <<x, y>>
Init == x = 0 /\ y = FALSE
A == x' = 1 - x /\ UNCHANGED y
B == x = 1 /\ y' = TRUE /\ UNCHANGED x
Next == A \/ B
WeakSpec == Init /\ [][Next]_vars /\ WF_vars(A) /\ WF_vars(B)
StrongSpec == Init /\ [][Next]_vars /\ WF_vars(A) /\ SF_vars(B)
EventuallyY == <>y
OneLeadsToY == (x = 1) ~> y
StaysY == <>[]y
====

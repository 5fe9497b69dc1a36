---- MODULE ActionProp ----
\* x counts to 3 and y to 2, in any interleaving; Reset takes (3, 2) back to (0, 0): 12 distinct states, depth 6.
\* The .cfgs check [][A]_v on every step (also one to a state seen before), []<><<A>>_v with and without
\* fairness, and [](P => []Q); builtin-action-properties.test.ts records TLC's figures for each.
EXTENDS Naturals
VARIABLES x, y
vars == <<x, y>>
Init == x = 0 /\ y = 0
IncX == x < 3 /\ x' = x + 1 /\ y' = y
IncY == y < 2 /\ y' = y + 1 /\ x' = x
Reset == x = 3 /\ y = 2 /\ x' = 0 /\ y' = 0
Next == IncX \/ IncY \/ Reset
Spec == Init /\ [][Next]_vars
FairSpec == Spec /\ WF_vars(Next)

StepsOk == [][Next]_vars
Grows(v) == [][v' >= v]_v
NeverReset == Grows(x) /\ Grows(y)
AllGrowOrReset == \A i \in {1, 2} : [][vars'[i] >= vars[i] \/ Reset]_vars
EachGrows == \A i \in {1, 2} : [][vars'[i] >= vars[i]]_vars
YAfterX == [][x > 0]_y

\* Liveness over steps. Under FairSpec Reset steps recur and an IncY step comes; but a behavior may always take IncY
\* first from (0, 0), and may take both IncY steps before any IncX. Under Spec a behavior may stop anywhere.
OftenReset == []<><<Reset>>_vars
SomeIncY == <><<IncY>>_y
OftenXFirst == []<><<IncX /\ y = 0>>_vars
SomeXAtOne == <><<IncX /\ y = 1>>_vars
EachChanges == \A i \in {1, 2} : []<><<vars'[i] # vars[i]>>_vars
Mixed == StepsOk /\ EachChanges /\ []<><<Reset>>_vars

\* Once P, always Q: x = 3 with y = 0 fails XThenY at once; Reset fails TopKeepsX a step after its P.
XThenY == [](x = 3 => [](y >= 1))
TopKeepsX == [](x = 3 /\ y = 2 => [](x >= 1))
TopBounded == [](x = 3 /\ y = 2 => [](x + y <= 5))
====

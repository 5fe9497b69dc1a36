---- MODULE Implied ----
\* A PROPERTY []P with a state predicate P: TLC checks it while exploring, like an invariant, and reports
\* "Invariant Bounded is violated" with the counts at that moment. A []<> property stays temporal.
\* Expected figures are TLC's (tla2tools built from tlaplus/tlaplus, one worker).
EXTENDS Naturals
VARIABLES x, y

Init == x = 0 /\ y = 0
Next == \/ x < 4 /\ x' = x + 1 /\ UNCHANGED y
        \/ y < 3 /\ y' = y + 1 /\ UNCHANGED x
        \/ x = 4 /\ y = 3 /\ x' = 0 /\ y' = 0
Spec == Init /\ [][Next]_<<x, y>> /\ WF_<<x, y>>(Next)

SumBelow6 == x + y < 6
Bounded == [](x + y < 6)
BackToZero == []<>(x = 0)
Safe == [](x <= 4 /\ y <= 3)
====

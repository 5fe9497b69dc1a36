---- MODULE ByName ----
\* A constant operator given by the .cfg and applied to a primed variable, as Specifying Systems' memory specs do:
\* Send(p, x, x') with MCSend(p, old, new) == new = old + p assigns x'.
EXTENDS Naturals
CONSTANT Send(_, _, _)
VARIABLE x
MCSend(p, old, new) == new = old + p
Init == x = 0
Next == \E p \in {1, 2} : x < 6 /\ Send(p, x, x')
====

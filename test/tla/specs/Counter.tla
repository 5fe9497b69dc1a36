---- MODULE Counter ----
\* A counter that Instances.tla and InstanceSingle.tla instantiate (it is not checked on its own).
EXTENDS Naturals
CONSTANT Limit
VARIABLE count

Init == count = 0
Inc(k) == count + k <= Limit /\ count' = count + k
Reset == count = Limit /\ count' = 0
Next == Inc(1) \/ Inc(2) \/ Reset
InRange == count \in 0..Limit
====

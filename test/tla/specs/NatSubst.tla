---- MODULE NatSubst ----
\* A model replaces the standard module's Nat (`Nat <- SmallNat` in the .cfg), as MC*.tla models do,
\* so that \E n \in Nat becomes enumerable. Expected figures are TLC's (one worker).
EXTENDS Naturals
VARIABLE x

SmallNat == 0..4

Init == x \in Nat /\ x < 2
Next == (\E n \in Nat : n > x /\ x' = n) \/ (x = 4 /\ x' = 0)
Positive == x \in Nat
Below4 == x < 4
====

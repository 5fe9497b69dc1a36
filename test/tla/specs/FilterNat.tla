---- MODULE FilterNat ----
\* Membership in {n \in Nat : P}, which TLC tests without enumerating Nat (in an ASSUME and an invariant).
\* Expected figures are TLC's (tla2tools built from tlaplus/tlaplus, one worker).
EXTENDS Naturals
CONSTANT Cap
VARIABLE x

MCCap == [j \in {"a", "b"} |-> IF j = "a" THEN 2 ELSE 3]
Positive == {n \in Nat : n > 0}
ASSUME Cap \in [{"a", "b"} -> Positive]

Init == x = [j \in {"a", "b"} |-> 0]
Next == \E j \in {"a", "b"} : x[j] < Cap[j] /\ x' = [x EXCEPT ![j] = @ + 1]

TypeOK == x \in [{"a", "b"} -> {n \in Nat : n <= 3}]
NotFull == \E j \in {"a", "b"} : x[j] \in {n \in Nat : n < Cap[j]}
====

---- MODULE TwoModules ----
\* The modules a spec extends may follow it in the same file (tlaplus/Examples' braf does so); SANY reads them there.
EXTENDS Helper
VARIABLE x
Init == x = 0
Next == x < Limit /\ x' = Inc(x)
====

---- MODULE Helper ----
EXTENDS Naturals
Limit == 4
Inc(n) == n + 1
====

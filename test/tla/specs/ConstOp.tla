---- MODULE ConstOp ----
\* A CONSTANT operator Weight(_) that the .cfg replaces (Weight <- MCWeight), and a definition with an
\* unbounded CHOOSE that the .cfg overrides with a model value (None = None), as MC*.tla models do.
\* Expected figures are TLC's (tla2tools built from tlaplus/tlaplus, one worker).
EXTENDS Naturals
CONSTANT Weight(_)
VARIABLES load, last

None == CHOOSE v : v \notin 1..3
MCWeight(i) == 2 * i - 1

Init == load = 0 /\ last = None
Next == \E i \in 1..3 : load + Weight(i) <= 8 /\ load' = load + Weight(i) /\ last' = i
Light == load < 8
====

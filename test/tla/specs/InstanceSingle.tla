---- MODULE InstanceSingle ----
\* An unnamed INSTANCE: Counter's definitions become this module's, its constant Limit is substituted
\* implicitly by this module's Limit, its variable count by c. Expected figures are TLC's (one worker).
CONSTANT Limit
VARIABLE c

INSTANCE Counter WITH count <- c

Spec == Init /\ [][Next]_c
====

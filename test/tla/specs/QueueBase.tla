---- MODULE QueueBase ----
\* Definitions shared through EXTENDS of a user module.
EXTENDS Naturals, Sequences
CONSTANT Values, Capacity
RECURSIVE Sum(_)
Sum(s) == IF s = <<>> THEN 0 ELSE Head(s) + Sum(Tail(s))
====

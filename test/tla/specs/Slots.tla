---- MODULE Slots ----
\* Slots holding values or NULL, instantiated by LazyUnion.tla with Values <- Int (not checked on its own).
EXTENDS Naturals
CONSTANTS Values, NULL
VARIABLE slots
TypeOK == slots \in UNION { [0..1 -> Values \cup { NULL }] }
Init == slots = [i \in 0..1 |-> NULL]
Write(i, v) == slots' = [slots EXCEPT ![i] = v]
====

---- MODULE Instances ----
\* Two named instances of Counter with substitutions (an expression for Limit, a variable for count),
\* used through A!Op and B!Op(args). Expected figures are TLC's (tla2tools built from tlaplus/tlaplus, one worker).
EXTENDS Naturals
CONSTANT Max
VARIABLES a, b

A == INSTANCE Counter WITH Limit <- Max, count <- a
B == INSTANCE Counter WITH Limit <- Max + 1, count <- b

Init == A!Init /\ B!Init
Next == \/ A!Next /\ UNCHANGED b
        \/ B!Inc(2) /\ UNCHANGED a
        \/ B!Reset /\ UNCHANGED a

TypeOK == A!InRange /\ B!InRange
NotBothFull == ~(a = Max /\ b = Max + 1)
====

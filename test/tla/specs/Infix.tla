---- MODULE Infix ----
\* User-defined infix operators, with the precedence SANY gives them:
\* a ++ b * c is a ++ (b * c), a ++ b ++ c associates to the left, a (+) b ++ c needs parentheses.
\* Expected figures are TLC's (tla2tools built from tlaplus/tlaplus, one worker).
EXTENDS Naturals
VARIABLES x, y

a ++ b == (a + b) % 7
a (+) b == (a * b + 1) % 7
a \prec b == a < b /\ (b - a) % 2 = 1
a \sqcup b == IF a > b THEN a ELSE b
a // b == a \div b

Init == x = 0 /\ y = 1

Step == /\ x' = x ++ y * 2
        /\ y' = (y (+) x) ++ 1 ++ x
Jump == x \prec y /\ x' = y \sqcup (x // 2) /\ y' = x

Next == Step \/ Jump

TypeOK == x \in 0..6 /\ y \in 0..6
NotBoth == ~(x = 6 /\ y = 6)
====

---- MODULE Recursion ----
\* Recursive functions (module level, two arguments, inside LET, applied on an infinite domain)
\* and RECURSIVE operators (module level, mutually recursive inside LET).
\* Expected figures are TLC's (tla2tools built from tlaplus/tlaplus, one worker).
EXTENDS Naturals, Sequences
VARIABLES n, s, total

fact[k \in Nat] == IF k = 0 THEN 1 ELSE k * fact[k - 1]
binomial[a, b \in 0..6] == IF b = 0 \/ b = a THEN 1 ELSE IF b > a THEN 0 ELSE binomial[a - 1, b - 1] + binomial[a - 1, b]
fib[k \in 0..6] == IF k < 2 THEN k ELSE fib[k - 1] + fib[k - 2]

RECURSIVE SetSum(_)
SetSum(S) == IF S = {} THEN 0 ELSE LET x == CHOOSE y \in S : TRUE IN x + SetSum(S \ {x})

SeqSum(q) == LET sum[i \in 0..Len(q)] == IF i = 0 THEN 0 ELSE q[i] + sum[i - 1] IN sum[Len(q)]

Parity(k) ==
  LET RECURSIVE Even(_), Odd(_)
      Even(i) == IF i = 0 THEN TRUE ELSE Odd(i - 1)
      Odd(i) == IF i = 0 THEN FALSE ELSE Even(i - 1)
  IN  IF Even(k) THEN "even" ELSE "odd"

Init == n = 0 /\ s = <<>> /\ total = 0

Grow == n < 5 /\ n' = n + 1 /\ UNCHANGED <<s, total>>
Add(v) == Len(s) < 3 /\ s' = Append(s, v) /\ total' = SeqSum(s') /\ UNCHANGED n
Reset == s # <<>> /\ s' = <<>> /\ total' = 0 /\ n' = (fact[n] + binomial[n, 2]) % 5

Next == Grow \/ (\E v \in 1..2 : Add(v)) \/ Reset

TypeOK == n \in 0..5 /\ total \in 0..6 /\ Parity(n) \in {"even", "odd"}
Sums == /\ total = SeqSum(s)
        /\ fib = [k \in 0..6 |-> IF k < 2 THEN k ELSE fib[k - 1] + fib[k - 2]]
        /\ SetSum(1..n) = binomial[n + 1, 2]
SmallTotal == total + fib[n] < 8
====

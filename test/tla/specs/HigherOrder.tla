---- MODULE HigherOrder ----
\* Higher-order operators: operator parameters F(_, _) and G(_), LAMBDA, an operator passed by name
\* (SelectSeq(queue, read) with read defined in a LET), and SortSeq with a LAMBDA order.
\* Expected figures are TLC's (tla2tools built from tlaplus/tlaplus, one worker).
EXTENDS Naturals, Sequences, TLC
VARIABLES queue, served

IsEven(n) == n % 2 = 0
Apply2(F(_, _), a, b) == F(a, b)
Twice(G(_), x) == G(G(x))
Count(s, Test(_)) == Len(SelectSeq(s, Test))
Ascending(s) == SortSeq(s, LAMBDA a, b : a < b)

Init == queue = <<>> /\ served = 0

Push(v) == Len(queue) < 3 /\ queue' = Append(queue, v) /\ UNCHANGED served

ServeEven ==
  LET read(n) == IsEven(n)
  IN  /\ Count(queue, read) > 0
      /\ served' = Apply2(LAMBDA a, b : (a + b) % 5, served, Head(SelectSeq(queue, read)))
      /\ queue' = SelectSeq(queue, LAMBDA n : ~read(n))

Sort ==
  /\ queue # Ascending(queue)
  /\ queue' = Ascending(queue)
  /\ served' = Twice(LAMBDA x : (x + 1) % 5, served)

Drop == queue # <<>> /\ queue' = Tail(queue) /\ UNCHANGED served

Next == (\E v \in 1..3 : Push(v)) \/ ServeEven \/ Sort \/ Drop

TypeOK == served \in 0..4 /\ \A i \in 1..Len(queue) : queue[i] \in 1..3
AtMostOneEven == Count(queue, IsEven) < 2
====

---- MODULE Constructs ----
\* Constant expressions with hand-computed values, checked by builtin-eval.test.ts.
EXTENDS Integers, Sequences, FiniteSets, TLC
CONSTANT Procs
RECURSIVE Fact(_)
Fact(n) == IF n = 0 THEN 1 ELSE n * Fact(n - 1)
Add(a, b) == a + b
r == [a |-> 1, b |-> <<2, 3>>]
f == [i \in 1..3 |-> i * i]
g[i \in {1, 2}] == i + 10
Boolean1 == (TRUE => FALSE) \/ (FALSE <=> FALSE)
Quant1 == \A x \in 1..3 : \E y \in 1..3 : y > x \/ x = 3
Quant2 == \E <<a, b>> \in {1, 2} \X {3} : a + b = 5
Choose1 == CHOOSE x \in 1..10 : x * x > 20
Case1 == CASE 1 > 2 -> "a" [] 2 > 1 -> "b" [] OTHER -> "c"
Let1 == LET sq(x) == x * x  k == 3 IN sq(k) + k
Sets1 == ({1, 2, 3} \cup {4}) \ {2}
Sets2 == {1, 2} \cap {2, 3}
Subset1 == SUBSET {1, 2}
Union1 == UNION {{1}, {2, 3}}
Filter1 == {x \in 1..6 : x % 2 = 0}
Map1 == {x * 10 : x \in 1..3}
FnSet1 == Cardinality([{1, 2} -> {"a", "b", "c"}])
Domain1 == DOMAIN r
Apply1 == f[2] + r.b[2]
Except1 == [f EXCEPT ![2] = @ + 100, ![3] = 0]
Except2 == [r EXCEPT !.b[1] = 7]
Tuple1 == <<1, "x", {2}>>
Seq1 == Append(<<1, 2>>, 3) \o Tail(<<4, 5>>)
Seq2 == SubSeq(<<1, 2, 3, 4>>, 2, 3)
Seq3 == Len(<<>>) + Len(<<7, 8>>) + Head(<<9>>)
Rec1 == Fact(5) + Add(1, 2)
Fn1 == g[2]
Tlc1 == (1 :> "a") @@ (2 :> "b") @@ (1 :> "z")
Tlc2 == Cardinality(Permutations({1, 2, 3}))
RecSet1 == Cardinality([x : {1, 2}, y : {TRUE, FALSE}])
Neg1 == -3 + 10 \div 3 - (-7 % 3)   \* -3 + 3 - 2: % is always in 0..(n - 1)
Model1 == Procs
Member1 == <<1, 2>> \in Seq({1, 2}) /\ 3 \notin Nat \ {3} /\ {1} \subseteq {1, 2}
====

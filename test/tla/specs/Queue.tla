---- MODULE Queue ----
\* A bounded queue over Values = {1, 2} with Capacity = 2: its states are the sequences of
\* length <= 2, 1 + 2 + 4 = 7 distinct, depth 3. Each state of length 0 has 2 successors
\* (Send 1, Send 2), of length 1 has 3 (2 Sends, 1 Recv), of length 2 has 1 (Recv):
\* generated 1 + 2 + 2 * 3 + 4 * 1 = 13.
EXTENDS QueueBase, TLC
VARIABLE q
Init == q = <<>>
Send(v) == Len(q) < Capacity /\ q' = Append(q, v)
Recv == Len(q) > 0 /\ q' = Tail(q)
Next == (\E v \in Values : Send(v)) \/ Recv
TypeOK == q \in Seq(Values) /\ Len(q) <= Capacity
SumBound == Sum(q) <= Capacity * 2
CanMove == ENABLED Recv \/ q = <<>>
NeverFull == Len(q) < Capacity
====

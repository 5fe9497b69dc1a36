---- MODULE BagsUse ----
\* The standard module Bags: a multiset of messages in transit, with (+), (-), \sqsubseteq, CopiesIn,
\* BagCardinality, BagToSet, SubBag, BagUnion and BagOfAll. Expected figures are TLC's (one worker).
EXTENDS Naturals, Bags
VARIABLE inFlight

Msgs == {"a", "b"}
Init == inFlight = EmptyBag
Send(m) == BagCardinality(inFlight) < 3 /\ inFlight' = inFlight (+) SetToBag({m})
Receive(m) == BagIn(m, inFlight) /\ inFlight' = inFlight (-) SetToBag({m})
Next == \E m \in Msgs : Send(m) \/ Receive(m)

Upper(m) == IF m = "a" THEN "A" ELSE "B"
TypeOK == /\ IsABag(inFlight)
          /\ BagToSet(inFlight) \subseteq Msgs
          /\ inFlight \sqsubseteq SetToBag(Msgs) (+) SetToBag(Msgs) (+) SetToBag(Msgs)
          /\ inFlight \in SubBag(BagUnion({SetToBag({"a"}), SetToBag({"a", "b"})}) (+) SetToBag(Msgs) (+) SetToBag({"b"}))
          /\ BagCardinality(BagOfAll(Upper, inFlight)) = BagCardinality(inFlight)
          /\ CopiesIn("a", inFlight) + CopiesIn("b", inFlight) = BagCardinality(inFlight)
FewA == CopiesIn("a", inFlight) < 2
====

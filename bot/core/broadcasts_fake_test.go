package core_test

// shadows the method: noFinder is no SentFinder

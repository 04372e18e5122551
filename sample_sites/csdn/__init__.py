"""The CSDN 文库 answer-page layout of the sample site (profile ``csdn``)."""

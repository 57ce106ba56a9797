"""What trialscope shows a person about a trial, independent of where (terminal, web)."""

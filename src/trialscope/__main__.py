from trialscope.cli import main

main()

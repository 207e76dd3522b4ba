import ArgumentParser

BlkviewCommand.main()

import Console

await ConsoleServer.main()

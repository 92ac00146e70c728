using Platform.Protocol.Fuzz;
using SharpFuzz;

// platform-protocol-fuzz                 run under afl-fuzz (input on stdin, forked server)
// platform-protocol-fuzz --seeds DIR     write the starting corpus: one request per API key and version
// platform-protocol-fuzz --replay PATH   decode one input file or every file in a directory (a crash reproduces here)
switch (args)
{
    case ["--seeds", var directory]:
        Console.WriteLine($"{RequestDecoding.WriteSeeds(directory)} seeds written to {directory}");
        return 0;
    case ["--replay", var path]:
        var files = Directory.Exists(path) ? Directory.GetFiles(path) : [path];
        foreach (var file in files)
        {
            RequestDecoding.Decode(File.ReadAllBytes(file));
        }

        Console.WriteLine($"{files.Length} inputs decoded without a crash");
        return 0;
    case []:
        Fuzzer.OutOfProcess.Run(stream =>
        {
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            RequestDecoding.Decode(buffer.ToArray());
        });
        return 0;
    default:
        Console.Error.WriteLine("usage: Platform.Protocol.Fuzz [--seeds DIR | --replay PATH]");
        return 2;
}

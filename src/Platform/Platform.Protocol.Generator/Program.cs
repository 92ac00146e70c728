using Platform.Protocol.Generator;

// Generates the Kafka message codecs of the allow-listed messages (AllowList.cs) from Kafka's JSON message
// specs. A dev tool run by hand; its output is committed, so the build never needs the specs:
//   dotnet run --project src/Platform/Platform.Protocol.Generator -- <specDir> <outDir> [testsOutDir]
if (args.Length is < 2 or > 3)
{
    Console.Error.WriteLine("usage: Platform.Protocol.Generator <specDir> <outDir> [testsOutDir]");
    return 2;
}

var specDir = args[0];
var outDir = args[1];
var specs = Directory.GetFiles(specDir, "*.json")
    .Order(StringComparer.Ordinal)
    .Select(SpecLoader.Load)
    .ToList();
var allowed = AllowList.Names(specs.Select(m => m.Name));
var messages = specs.Where(m => allowed.Contains(m.Name)).ToList();

Directory.CreateDirectory(outDir);
foreach (var stale in Directory.GetFiles(outDir, "*.g.cs"))
{
    File.Delete(stale);
}

foreach (var message in messages)
{
    File.WriteAllText(Path.Combine(outDir, message.Name + ".g.cs"), MessageEmitter.Emit(message));
}

var responses = messages.Where(m => m.IsResponse).ToDictionary(m => m.ApiKey!.Value);
var apis = messages
    .Where(m => m.IsRequest)
    .OrderBy(m => m.ApiKey)
    .Select(m => (Request: m, Response: responses[m.ApiKey!.Value]))
    .ToList();
File.WriteAllText(Path.Combine(outDir, "ApiKey.g.cs"), ApiEmitter.EmitApiKey(apis));
File.WriteAllText(Path.Combine(outDir, "ApiMessages.g.cs"), ApiEmitter.EmitApiMessages(apis));

if (args.Length == 3)
{
    Directory.CreateDirectory(args[2]);
    File.WriteAllText(Path.Combine(args[2], "FieldVersions.g.cs"), FieldVersionsEmitter.Emit(messages));
}

Console.WriteLine($"Generated {messages.Count} of {specs.Count} messages and {apis.Count} API keys into {outDir}.");
return 0;

using Platform.Examples;
using Platform.Examples.WordCount;

return await ExampleHost.RunAsync(args, "WordCount", "wordcount", WordCountTopology.Build, [WordCountTopology.InputTopic], [WordCountTopology.OutputTopic]);

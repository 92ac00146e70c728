using System.Text.Json.Serialization;
using Platform.Connectors.Files.Sink;
using Platform.Connectors.Files.TailDir;

namespace Platform.Connectors.Files;

/// <summary>The JSON contracts of the files these connectors keep (position file, sink manifest), generated at build time.</summary>
[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(List<TailPosition>))]
[JsonSerializable(typeof(ManifestEntry))]
internal sealed partial class FilesJson : JsonSerializerContext;

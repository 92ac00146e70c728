using System.Text.Json.Serialization;

namespace Platform.Connectors.Postgres;

/// <summary>The JSON contracts of this connector's own configs (a task's table list), generated at build time.</summary>
[JsonSerializable(typeof(List<string>))]
internal sealed partial class PostgresJson : JsonSerializerContext;

using Platform.Connect.Config;
using Platform.Connect.Plugins;

namespace Platform.Connect.Transforms;

/// <summary>
/// A connector's <c>transforms</c>, in order, each guarded by its <c>predicate</c> (and <c>negate</c>), as Kafka
/// builds them from <c>transforms.ALIAS.type</c> and <c>predicates.ALIAS.type</c>.
/// </summary>
public sealed class TransformationChain : IDisposable
{
    private readonly List<(string Alias, ITransformation Transformation, IPredicate? Predicate, bool Negate)> _stages;
    private readonly List<IPredicate> _predicates;

    private TransformationChain(List<(string, ITransformation, IPredicate?, bool)> stages, List<IPredicate> predicates)
    {
        _stages = stages;
        _predicates = predicates;
    }

    /// <summary>An empty chain.</summary>
    public static TransformationChain Empty => new([], []);

    /// <summary>Whether it has no stage.</summary>
    public bool IsEmpty => _stages.Count == 0;

    /// <summary>Builds and configures the chain of <paramref name="config"/>.</summary>
    /// <exception cref="ConfigException">An alias has no or an unknown type, or a stage's config is invalid; names the key.</exception>
    public static TransformationChain Create(IReadOnlyDictionary<string, string> config, PluginRegistry plugins)
    {
        var predicates = new Dictionary<string, IPredicate>(StringComparer.Ordinal);
        var stages = new List<(string, ITransformation, IPredicate?, bool)>();
        try
        {
            foreach (var alias in List(config, "predicates"))
            {
                var prefix = $"predicates.{alias}.";
                var type = plugins.ResolvePredicate(Required(config, prefix + "type"), prefix + "type");
                var predicate = PluginRegistry.Create<IPredicate>(type);
                predicates[alias] = predicate;
                predicate.Configure(Prefixed(config, prefix, predicate.Config, prefix));
            }

            foreach (var alias in List(config, "transforms"))
            {
                var prefix = $"transforms.{alias}.";
                var type = plugins.ResolveTransformation(Required(config, prefix + "type"), prefix + "type");
                var transformation = PluginRegistry.Create<ITransformation>(type);
                IPredicate? predicate = null;
                if (config.TryGetValue(prefix + "predicate", out var predicateAlias) && predicateAlias.Trim().Length > 0)
                {
                    predicate = predicates.GetValueOrDefault(predicateAlias.Trim())
                        ?? throw new ConfigException(prefix + "predicate", predicateAlias, "not one of the aliases in 'predicates'");
                }

                var negate = config.TryGetValue(prefix + "negate", out var negateText) && ParseBool(prefix + "negate", negateText);
                stages.Add((alias, transformation, predicate, negate));
                transformation.Configure(Prefixed(config, prefix, transformation.Config, prefix));
            }
        }
        catch
        {
            foreach (var (_, t, _, _) in stages)
            {
                t.Dispose();
            }

            foreach (var p in predicates.Values)
            {
                p.Dispose();
            }

            throw;
        }

        return new TransformationChain(stages, [.. predicates.Values]);
    }

    /// <summary>The transformed record, or null when a stage dropped it.</summary>
    public ConnectRecord? Apply(ConnectRecord record)
    {
        ConnectRecord? current = record;
        foreach (var (_, transformation, predicate, negate) in _stages)
        {
            if (current is null)
            {
                return null;
            }

            if (predicate is null || predicate.Test(current) != negate)
            {
                current = transformation.Apply(current);
            }
        }

        return current;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var (_, transformation, _, _) in _stages)
        {
            transformation.Dispose();
        }

        foreach (var predicate in _predicates)
        {
            predicate.Dispose();
        }
    }

    private static string[] List(IReadOnlyDictionary<string, string> config, string key)
        => config.TryGetValue(key, out var text) ? text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) : [];

    private static string Required(IReadOnlyDictionary<string, string> config, string key)
        => config.TryGetValue(key, out var value) && value.Trim().Length > 0 ? value : throw new ConfigException(key, null, "is required (a class name)");

    private static bool ParseBool(string key, string text)
        => bool.TryParse(text.Trim(), out var b) ? b : throw new ConfigException(key, text, "expected true or false");

    /// <summary>The keys under <paramref name="prefix"/>, prefix removed; parse errors are re-thrown with the full key.</summary>
    private static Dictionary<string, string> Prefixed(IReadOnlyDictionary<string, string> config, string prefix, ConfigDef definition, string keyPrefix)
    {
        var result = config.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value, StringComparer.Ordinal);
        foreach (var value in definition.Validate(result))
        {
            if (value.Errors.Count > 0)
            {
                throw new ConfigException(keyPrefix + value.Name, value.Value, string.Join("; ", value.Errors.Select(StripKeyPrefix)));
            }
        }

        return result;
    }

    private static string StripKeyPrefix(string message)
    {
        var colon = message.IndexOf("': ", StringComparison.Ordinal);
        return message.StartsWith("Invalid value", StringComparison.Ordinal) && colon > 0 ? message[(colon + 3)..] : message;
    }
}

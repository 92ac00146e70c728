using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Platform.Connect.Config;
using Platform.Connect.Connectors;
using Platform.Connect.Storage;
using Platform.Connect.Transforms;

namespace Platform.Connect.Plugins;

/// <summary>
/// The plugins the worker can run, found by scanning the loaded assemblies (and the <c>Platform.Connectors.*</c>
/// assemblies next to the executable) for concrete <see cref="Connector"/>, <see cref="ITransformation"/>,
/// <see cref="IPredicate"/> and <see cref="IConverter"/> types. A name may be the full type name, the simple name,
/// the simple name without its "Connector" suffix, or Kafka's class name (<c>org.apache.kafka.connect.transforms.InsertField$Value</c>
/// finds the nested <c>InsertField.Value</c>); converters also answer to <c>json</c>, <c>string</c> and <c>bytes</c>.
/// </summary>
public sealed class PluginRegistry
{
    /// <summary>What a trimmed or native AOT application must do for <see cref="Scan"/> to find the plugins.</summary>
    public const string ScanRequirement = "Plugins are found by reflection over the loaded assemblies: a trimmed or native AOT application keeps the assemblies holding plugins whole (TrimmerRootAssembly), as platform does.";

    private static readonly Dictionary<string, Type> ConverterAliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["json"] = typeof(Converters.JsonConverter),
        ["string"] = typeof(Converters.StringConverter),
        ["bytes"] = typeof(Converters.ByteArrayConverter),
    };

    [RequiresUnreferencedCode(ScanRequirement)]
    private PluginRegistry(IEnumerable<Type> types)
    {
        var concrete = types.Where(t => t is { IsClass: true, IsAbstract: false, IsGenericTypeDefinition: false } && t.GetConstructor(Type.EmptyTypes) is not null).ToList();
        Connectors = [.. concrete.Where(t => t.IsSubclassOf(typeof(Connector))).OrderBy(t => t.FullName, StringComparer.Ordinal)];
        Transformations = [.. concrete.Where(typeof(ITransformation).IsAssignableFrom).OrderBy(t => t.FullName, StringComparer.Ordinal)];
        Predicates = [.. concrete.Where(typeof(IPredicate).IsAssignableFrom).OrderBy(t => t.FullName, StringComparer.Ordinal)];
        Converters = [.. concrete.Where(typeof(IConverter).IsAssignableFrom).OrderBy(t => t.FullName, StringComparer.Ordinal)];
    }

    /// <summary>The connector classes.</summary>
    public IReadOnlyList<Type> Connectors { get; }

    /// <summary>The transformation classes.</summary>
    public IReadOnlyList<Type> Transformations { get; }

    /// <summary>The predicate classes.</summary>
    public IReadOnlyList<Type> Predicates { get; }

    /// <summary>The converter classes.</summary>
    public IReadOnlyList<Type> Converters { get; }

    /// <summary>Scans the loaded assemblies, after loading every <c>Platform.Connect*.dll</c> next to the executable.</summary>
    [RequiresUnreferencedCode(ScanRequirement)]
    public static PluginRegistry Scan()
    {
        foreach (var path in Directory.EnumerateFiles(AppContext.BaseDirectory, "Platform.Connect*.dll"))
        {
            var name = AssemblyName.GetAssemblyName(path);
            if (!AppDomain.CurrentDomain.GetAssemblies().Any(a => AssemblyName.ReferenceMatchesDefinition(a.GetName(), name)))
            {
                Assembly.Load(name);
            }
        }

        return new PluginRegistry(AppDomain.CurrentDomain.GetAssemblies().Where(a => !a.IsDynamic).SelectMany(LoadableTypes));
    }

    /// <summary>The connector class <paramref name="name"/> names.</summary>
    /// <exception cref="ConfigException">No such connector; names <c>connector.class</c>.</exception>
    public Type ResolveConnector(string name) => Resolve(Connectors, name, "connector.class", "connector");

    /// <summary>The transformation class <paramref name="name"/> names, for the key <paramref name="configKey"/>.</summary>
    /// <exception cref="ConfigException">No such transformation.</exception>
    public Type ResolveTransformation(string name, string configKey) => Resolve(Transformations, name, configKey, "transformation");

    /// <summary>The predicate class <paramref name="name"/> names, for the key <paramref name="configKey"/>.</summary>
    /// <exception cref="ConfigException">No such predicate.</exception>
    public Type ResolvePredicate(string name, string configKey) => Resolve(Predicates, name, configKey, "predicate");

    /// <summary>The converter class <paramref name="name"/> names, for the key <paramref name="configKey"/>.</summary>
    /// <exception cref="ConfigException">No such converter.</exception>
    public Type ResolveConverter(string name, string configKey)
        => ConverterAliases.TryGetValue(name.Trim(), out var alias) ? alias : Resolve(Converters, name, configKey, "converter");

    /// <summary>
    /// A new instance of the plugin class <paramref name="type"/>: one of a registry's, or the task class of one of its
    /// connectors. Every plugin is made here.
    /// </summary>
    [UnconditionalSuppressMessage("Trimming", "IL2067", Justification = "The types come from Scan, whose caller keeps the plugin assemblies whole (ScanRequirement), so their constructors are there.")]
    public static T Create<T>(Type type)
        where T : class
        => (T)Activator.CreateInstance(type)!;

    /// <summary>The name a plugin is published under (its full type name).</summary>
    public static string PluginName(Type type) => type.FullName ?? type.Name;

    /// <summary>The type of a connector plugin (<c>source</c> or <c>sink</c>).</summary>
    public static string PluginType(Type connector) => connector.IsSubclassOf(typeof(SourceConnector)) ? "source" : "sink";

    private static Type Resolve(IReadOnlyList<Type> candidates, string name, string configKey, string what)
    {
        var wanted = name.Trim();
        var simple = wanted[(wanted.LastIndexOf('.') + 1)..].Replace('+', '$');
        var match = candidates.FirstOrDefault(t => t.FullName == wanted || t.FullName == wanted.Replace('$', '+'))
            ?? candidates.FirstOrDefault(t => SimpleName(t) == simple)
            ?? candidates.FirstOrDefault(t => SimpleName(t) == simple + "Connector");
        return match ?? throw new ConfigException(configKey, name,
            $"no {what} class of that name; known: {string.Join(", ", candidates.Select(SimpleName))}");
    }

    /// <summary>Kafka's spelling of a type's simple name: <c>InsertField$Value</c> for the nested <c>InsertField.Value</c>.</summary>
    public static string SimpleName(Type type) => type.DeclaringType is { } outer ? $"{outer.Name}${type.Name}" : type.Name;

    [RequiresUnreferencedCode(ScanRequirement)]
    private static IEnumerable<Type> LoadableTypes(Assembly assembly)
    {
        try
        {
            return assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            return e.Types.OfType<Type>();
        }
    }
}

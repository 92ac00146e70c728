using System.Text;

namespace Platform.Host.Commands;

/// <summary>
/// Reads a Java properties file such as Kafka's <c>server.properties</c>: one <c>key=value</c> (or
/// <c>key: value</c>, or <c>key value</c>) a line, <c>#</c> and <c>!</c> comments, a trailing backslash
/// continuing the value on the next line.
/// </summary>
internal static class PropertiesFile
{
    /// <summary>The properties in file order (a later duplicate wins when they are applied).</summary>
    /// <exception cref="InvalidDataException">A line holds no key; the message names the file and line.</exception>
    public static List<KeyValuePair<string, string>> Read(string path)
    {
        var properties = new List<KeyValuePair<string, string>>();
        var lines = File.ReadAllLines(path);
        for (var i = 0; i < lines.Length; i++)
        {
            var first = i + 1;
            var line = new StringBuilder(lines[i].TrimStart());
            if (line.Length == 0 || line[0] is '#' or '!')
            {
                continue;
            }

            while (EndsWithContinuation(line) && i + 1 < lines.Length)
            {
                line.Length--;
                line.Append(lines[++i].TrimStart());
            }

            var text = line.ToString();
            var separator = text.IndexOfAny(['=', ':', ' ', '\t']);
            var key = (separator < 0 ? text : text[..separator]).Trim();
            if (key.Length == 0)
            {
                throw new InvalidDataException($"--config: '{path}' line {first}: expected key=value, got '{text}'.");
            }

            var value = separator < 0 ? "" : text[(separator + 1)..].Trim();
            if (separator >= 0 && text[separator] is ' ' or '\t' && value.Length > 0 && value[0] is '=' or ':')
            {
                value = value[1..].Trim();
            }

            properties.Add(new(key, value));
        }

        return properties;
    }

    /// <summary>An odd number of trailing backslashes continues the line (an even number is escaped backslashes).</summary>
    private static bool EndsWithContinuation(StringBuilder line)
    {
        var count = 0;
        for (var i = line.Length - 1; i >= 0 && line[i] == '\\'; i--)
        {
            count++;
        }

        return count % 2 == 1;
    }
}

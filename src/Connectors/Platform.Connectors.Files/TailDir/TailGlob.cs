using System.Text;
using System.Text.RegularExpressions;

namespace Platform.Connectors.Files.TailDir;

/// <summary>
/// One glob of files to tail: a literal directory and a file name pattern with <c>*</c>, <c>?</c> and
/// <c>[...]</c>, optionally in a named file group (Flume's <c>filegroups</c>).
/// </summary>
internal sealed record TailGlob(string? Group, string Directory, Regex NamePattern, string Text)
{
    /// <summary>Parses <paramref name="glob"/>.</summary>
    /// <returns>The glob, or null with <paramref name="problem"/> set.</returns>
    public static TailGlob? TryParse(string? group, string glob, out string? problem)
    {
        problem = null;
        var full = Path.GetFullPath(glob.Trim());
        var directory = Path.GetDirectoryName(full);
        var name = Path.GetFileName(full);
        if (directory is null || name.Length == 0)
        {
            problem = $"'{glob}' names no files";
            return null;
        }

        if (directory.IndexOfAny(['*', '?', '[']) >= 0)
        {
            problem = $"'{glob}': wildcards are allowed in the file name only, not in directories";
            return null;
        }

        var regex = new StringBuilder("^");
        foreach (var c in name)
        {
            regex.Append(c switch
            {
                '*' => "[^/]*",
                '?' => "[^/]",
                '[' => "[",
                ']' => "]",
                _ => Regex.Escape(c.ToString()),
            });
        }

        try
        {
            return new TailGlob(group, directory, new Regex(regex.Append('$').ToString(), RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)), glob);
        }
        catch (ArgumentException e)
        {
            problem = $"'{glob}' is not a valid glob: {e.Message}";
            return null;
        }
    }

    /// <summary>The files matching now (a missing directory matches nothing).</summary>
    public IEnumerable<string> Matches()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            yield break;
        }

        foreach (var path in System.IO.Directory.EnumerateFiles(Directory))
        {
            if (NamePattern.IsMatch(Path.GetFileName(path)))
            {
                yield return path;
            }
        }
    }
}

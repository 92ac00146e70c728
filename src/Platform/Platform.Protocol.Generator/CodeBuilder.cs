using System.Text;

namespace Platform.Protocol.Generator;

/// <summary>A tiny indenting text builder for the generated C#.</summary>
internal sealed class CodeBuilder
{
    private readonly StringBuilder _text = new();
    private int _indent;

    public CodeBuilder Line(string line = "")
    {
        if (line.Length > 0)
        {
            _text.Append(' ', _indent * 4).Append(line);
        }

        _text.Append('\n');
        return this;
    }

    public CodeBuilder Open(string line)
    {
        Line(line);
        Line("{");
        _indent++;
        return this;
    }

    public CodeBuilder Open()
    {
        Line("{");
        _indent++;
        return this;
    }

    public CodeBuilder Close(string suffix = "")
    {
        _indent--;
        Line("}" + suffix);
        return this;
    }

    public override string ToString() => _text.ToString();
}

/// <summary>Wraps runs of consecutive fields that share a version condition in one <c>if</c> block.</summary>
internal sealed class VersionBlocks(CodeBuilder code)
{
    private string _open = "true";

    public void Enter(string condition)
    {
        if (condition == _open)
        {
            return;
        }

        Exit();
        if (condition != "true")
        {
            code.Open($"if ({condition})");
        }

        _open = condition;
    }

    public void Exit()
    {
        if (_open != "true")
        {
            code.Close();
        }

        _open = "true";
    }
}

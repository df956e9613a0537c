using Ganss.Xss;
using Markdig;

namespace ChangeDesk.Web;

/// <summary>Turns user-authored Markdown into HTML that is safe to embed in a page.</summary>
public sealed class MarkdownRenderer
{
    readonly MarkdownPipeline pipeline = new MarkdownPipelineBuilder().UseAdvancedExtensions().DisableHtml().Build();
    readonly HtmlSanitizer sanitizer = new();

    public MarkdownRenderer()
    {
        sanitizer.AllowedSchemes.Clear();
        sanitizer.AllowedSchemes.UnionWith(["http", "https", "mailto"]);
    }

    public string ToHtml(string? markdown) =>
        string.IsNullOrWhiteSpace(markdown) ? "" : sanitizer.Sanitize(Markdown.ToHtml(markdown, pipeline));
}

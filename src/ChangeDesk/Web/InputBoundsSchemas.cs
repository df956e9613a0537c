using System.ComponentModel.DataAnnotations;
using System.Reflection;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace ChangeDesk.Web;

/// <summary>
/// Gives the OpenAPI document the limits <see cref="InputBounds"/> enforces: <c>maxLength</c> for a bounded string,
/// <c>maxItems</c> for a bounded list and <c>maxLength</c> on its items for <see cref="ItemMaxLengthAttribute"/>, also
/// where the attributes sit on a positional record's parameters.
/// </summary>
public static class InputBoundsSchemas
{
    public static Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken ct)
    {
        if (context.JsonPropertyInfo?.AttributeProvider is not ICustomAttributeProvider member)
        {
            return Task.CompletedTask;
        }
        var max = Attribute<MaxLengthAttribute>(member)?.Length;
        var itemMax = Attribute<ItemMaxLengthAttribute>(member)?.Length;
        var isList = schema.Type is { } type && type.HasFlag(JsonSchemaType.Array);
        if (max is { } m)
        {
            if (isList)
            {
                schema.MaxItems ??= m;
            }
            else
            {
                schema.MaxLength ??= m;
            }
        }
        if (itemMax is { } im && isList && schema.Items is OpenApiSchema items)
        {
            items.MaxLength = im;
        }
        return Task.CompletedTask;
    }

    static T? Attribute<T>(ICustomAttributeProvider member) where T : Attribute =>
        member.GetCustomAttributes(typeof(T), inherit: true).OfType<T>().FirstOrDefault();
}

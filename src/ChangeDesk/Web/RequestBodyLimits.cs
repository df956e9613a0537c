using System.Text;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace ChangeDesk.Web;

/// <summary>
/// What a request body may be, checked once before any endpoint or page reads it: at most
/// <c>RequestLimits:MaxBodyBytes</c> (1 MB) for JSON and other bodies, <c>RequestLimits:MaxFormBodyBytes</c> (2 MB) for
/// page forms, and the attachment limit plus 1 MB for multipart uploads; a larger body answers 413. A content type
/// that cannot be parsed or names a charset no decoder knows answers 415, instead of failing deep in the JSON reader.
/// </summary>
public sealed class RequestBodyLimits(RequestDelegate next, IConfiguration configuration, Support.SupportOptions support)
{
    public const long DefaultMaxBodyBytes = 1024 * 1024;
    public const long DefaultMaxFormBodyBytes = 2 * 1024 * 1024;

    readonly long maxBody = configuration.GetValue("RequestLimits:MaxBodyBytes", DefaultMaxBodyBytes);
    readonly long maxForm = configuration.GetValue("RequestLimits:MaxFormBodyBytes", DefaultMaxFormBodyBytes);

    public async Task InvokeAsync(HttpContext http)
    {
        var request = http.Request;
        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method))
        {
            await next(http);
            return;
        }
        var limit = maxBody;
        if (request.ContentType is { Length: > 0 } contentType)
        {
            if (!MediaTypeHeaderValue.TryParse(contentType, out var media))
            {
                throw new BadHttpRequestException($"The content type '{contentType}' cannot be read.", StatusCodes.Status415UnsupportedMediaType);
            }
            if (media.Charset is { Length: > 0 } charset && !IsKnown(charset.Value!.Trim('"')))
            {
                throw new BadHttpRequestException($"The charset '{charset}' is not one this service can decode: send UTF-8 (charset=utf-8) or leave the charset out.",
                    StatusCodes.Status415UnsupportedMediaType);
            }
            if (media.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
            {
                limit = support.MaxAttachmentBytes + DefaultMaxBodyBytes;
            }
            else if (media.MediaType.Equals("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
            {
                limit = maxForm;
            }
        }
        if (request.ContentLength > limit)
        {
            throw TooLarge(limit);
        }
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } server)
        {
            server.MaxRequestBodySize = limit;
        }
        // A body without a Content-Length (chunked) is counted as it is read. The framework's JSON reader takes a read
        // that fails as a client gone away and answers nothing, so the 413 is written here afterwards.
        var counted = new CountedBody(request.Body, limit);
        request.Body = counted;
        await next(http);
        if (counted.Exceeded && !http.Response.HasStarted)
        {
            http.Response.Clear();
            throw TooLarge(limit);
        }
    }

    static BadHttpRequestException TooLarge(long limit) =>
        new($"The request body is larger than this endpoint accepts ({limit:N0} bytes at most).", StatusCodes.Status413PayloadTooLarge);

    static bool IsKnown(string charset)
    {
        try
        {
            Encoding.GetEncoding(charset);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    sealed class CountedBody(Stream inner, long limit) : Stream
    {
        long read;

        public bool Exceeded { get; private set; }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
        {
            try
            {
                return Count(await inner.ReadAsync(buffer, ct));
            }
            catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                Exceeded = true;
                throw;
            }
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
            ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

        int Count(int n)
        {
            read += n;
            if (read > limit)
            {
                Exceeded = true;
                throw TooLarge(limit);
            }
            return n;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

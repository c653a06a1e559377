/**
 * The demuxers ffmpeg may use for a local file (`-format_whitelist`): containers and raw
 * streams that hold one video, and none that names other files to read. A playlist (`hls`,
 * `dash`), a list of files (`concat`, ffconcat), an image sequence (`image2`, which reads
 * `name%03d.png` as many files) or a text format (`tty`) would make ffmpeg read what it names,
 * wherever that is: a file under a media root could then read a file outside it. Each entry
 * matches ffmpeg's demuxer by any of its names (`mov` is `mov,mp4,m4a,3gp,3g2,mj2`). The same
 * names in ffmpeg 4.1 to 7.
 */
export const LOCAL_FORMATS = [
  'mov',
  'matroska',
  'avi',
  'flv',
  'live_flv',
  'mpegts',
  'mpeg',
  'mpegvideo',
  'm4v',
  'h264',
  'hevc',
  'h263',
  'vc1',
  'obu',
  'ivf',
  'asf',
  'ogg',
  'mxf',
  'nut',
  'yuv4mpegpipe',
  'mjpeg',
  'gif',
  'dv',
  'rm',
  'wtv',
  'flic',
  'gxf',
] as const;

/** ffmpeg input options for a local file: only the demuxers of {@link LOCAL_FORMATS}. */
export const LOCAL_INPUT_ARGS: readonly string[] = ['-format_whitelist', LOCAL_FORMATS.join(',')];

/* WGS-84 → GCJ-02 → BD-09 for the page (the same formulas as app/geo/crs.py), and an
   iterated GCJ-02 → WGS-84 inverse for reading positions back off a GCJ-02 base map. */
var A = 6378245.0, EE = 0.006693421622965943, PI = Math.PI, X_PI = PI * 3000.0 / 180.0;

function outOfChina(lon, lat) {
  return !(lon >= 72.004 && lon <= 137.8347 && lat >= 0.8293 && lat <= 55.8271);
}

export function wgsToGcj(lon, lat) {
  if (outOfChina(lon, lat)) return [lon, lat];
  var x = lon - 105.0, y = lat - 35.0;
  var shared = (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
  var dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + shared + 0.2 * Math.sqrt(Math.abs(x));
  dlat += (20.0 * Math.sin(y * PI) + 40.0 * Math.sin(y / 3.0 * PI)) * 2.0 / 3.0;
  dlat += (160.0 * Math.sin(y / 12.0 * PI) + 320.0 * Math.sin(y * PI / 30.0)) * 2.0 / 3.0;
  var dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + shared + 0.1 * Math.sqrt(Math.abs(x));
  dlon += (20.0 * Math.sin(x * PI) + 40.0 * Math.sin(x / 3.0 * PI)) * 2.0 / 3.0;
  dlon += (150.0 * Math.sin(x / 12.0 * PI) + 300.0 * Math.sin(x / 30.0 * PI)) * 2.0 / 3.0;
  var rad = lat / 180.0 * PI, magic = 1.0 - EE * Math.sin(rad) * Math.sin(rad);
  var sqrtMagic = Math.sqrt(magic);
  dlat = dlat * 180.0 / ((A * (1.0 - EE)) / (magic * sqrtMagic) * PI);
  dlon = dlon * 180.0 / (A / sqrtMagic * Math.cos(rad) * PI);
  return [lon + dlon, lat + dlat];
}

export function gcjToWgs(lon, lat) {
  if (outOfChina(lon, lat)) return [lon, lat];
  var x = lon, y = lat;
  for (var i = 0; i < 30; i++) {
    var f = wgsToGcj(x, y), dx = f[0] - lon, dy = f[1] - lat;
    x -= dx; y -= dy;
    if (Math.abs(dx) < 1e-9 && Math.abs(dy) < 1e-9) break;
  }
  return [x, y];
}

export function wgsToBd(lon, lat) {
  if (outOfChina(lon, lat)) return [lon, lat];
  var g = wgsToGcj(lon, lat);
  var z = Math.hypot(g[0], g[1]) + 0.00002 * Math.sin(g[1] * X_PI);
  var theta = Math.atan2(g[1], g[0]) + 0.000003 * Math.cos(g[0] * X_PI);
  return [z * Math.cos(theta) + 0.0065, z * Math.sin(theta) + 0.006];
}

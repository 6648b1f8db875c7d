mod go;
mod rust;

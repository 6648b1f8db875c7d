mod fences;
mod go;
mod redefinitions;
mod rust;
